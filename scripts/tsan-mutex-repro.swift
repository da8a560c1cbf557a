// Why the package locks with `Lock` (pthread) and not Synchronization's `Mutex` (docs/reliability.md,
// Sanitizers): two threads increment a counter 200 000 times each under one lock, and
// ThreadSanitizer reports a "Swift access race" inside `Mutex.withLock` but nothing under a
// pthread mutex, though both counts come out right. Run:
//   swiftc -sanitize=thread scripts/tsan-mutex-repro.swift -o /tmp/tsan-mutex-repro
//   /tmp/tsan-mutex-repro mutex; /tmp/tsan-mutex-repro pthread     (exit 66 on a report)
import Foundation
import Glibc
import Synchronization

final class PthreadCounter: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var count = 0
    init() { pthread_mutex_init(mutex, nil) }
    func bump() { pthread_mutex_lock(mutex); count += 1; pthread_mutex_unlock(mutex) }
    var value: Int { pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }; return count }
}

final class MutexCounter: Sendable {
    private let count = Mutex(0)
    func bump() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

let mode = CommandLine.arguments.dropFirst().first ?? "mutex"
let iterations = 200_000
let mutexCounter = MutexCounter(), pthreadCounter = PthreadCounter()
let threads = (0..<2).map { _ in
    Thread {
        for _ in 0..<iterations { if mode == "mutex" { mutexCounter.bump() } else { pthreadCounter.bump() } }
    }
}
threads.forEach { $0.start() }
while threads.contains(where: { !$0.isFinished }) { usleep(10_000) }
let total = mode == "mutex" ? mutexCounter.value : pthreadCounter.value
print("\(mode): \(total) (expected \(2 * iterations))")
