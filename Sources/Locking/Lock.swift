import Glibc

/// A value guarded by a pthread mutex: the package's one lock type, used instead of
/// Synchronization's `Mutex` (same `withLock` shape).
///
/// Why not `Mutex`: on Linux it takes and releases a free lock with an atomic compare-exchange
/// inlined into our code, but hands a contended one over with futex system calls
/// (`_lockSlow`/`_unlockSlow`, priority-inheritance futexes) inside libswiftSynchronization,
/// which is not instrumented. ThreadSanitizer then sees no release by the thread that let go
/// and no acquire by the thread that got the lock, and reports the accesses the lock guards as
/// races whenever two threads contend (docs/reliability.md). ThreadSanitizer intercepts
/// pthread_mutex_lock/unlock, so under this lock the guarded accesses are ordered and a real
/// race on the value outside it is still reported.
///
/// The mutex and the value live on the heap (a pthread mutex must not move once initialised).
/// The class is `@unchecked Sendable` as `Mutex` is: the value is reachable only inside
/// `withLock`, and `sending` keeps non-Sendable values from escaping into two regions.
public final class Lock<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    public init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed (\(status))")
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock (not reentrant: a nested call on the
    /// same lock deadlocks, as with `Mutex`).
    public func withLock<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
