import Dispatch
import Foundation
import Glibc
import Locking
import Synchronization

/// The server's connection layer on one thread: an epoll loop over non-blocking sockets that
/// accepts, reads and parses requests incrementally, hands each complete request to the worker
/// pool, writes responses back as workers deliver them (buffered, waiting for EPOLLOUT when the
/// socket is full), and enforces the deadlines and the connection cap. An idle or half-sent
/// connection costs a descriptor and a few hundred bytes, not a thread.
///
/// Everything but the `Sendable` members is touched only by the loop's own thread.
final class HTTPEventLoop: @unchecked Sendable {
    let mailbox: ResponseMailbox
    let maxConnections: Int
    private let listener: ListeningSocket
    private let poller: EventPoller
    private let wakeup: WakeupSignal
    private let workers: WorkerPool
    private let handler: any HTTPHandler
    private let limits: HTTPServerLimits
    private let aborting = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let counters = Lock(HTTPServerStatistics())

    // The loop thread's own state.
    private var connections: [Int32: HTTPConnection] = [:]
    private var nextID: UInt64 = 0
    private var activeRequests = 0
    private var listening = true
    private var reserveDescriptor: Int32 = -1
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    private var lastSweep = ContinuousClock.now

    /// Most input buffered for a connection whose request is being answered (pipelined requests).
    private var readCap: Int { limits.maxHeaderBytes + limits.maxBodyBytes + 65_536 }

    init(listener: ListeningSocket, handler: any HTTPHandler, limits: HTTPServerLimits, workers: WorkerPool) throws(SocketError) {
        self.listener = listener
        self.handler = handler
        self.limits = limits
        self.workers = workers
        poller = try EventPoller()
        wakeup = try WakeupSignal()
        mailbox = ResponseMailbox(wakeup: wakeup)
        // Room for the model, the loop's own descriptors and the reserve one.
        let descriptors = DescriptorLimit.raise(toAtMost: limits.maxConnections + 256)
        maxConnections = max(16, min(limits.maxConnections, descriptors - 128))
        counters.withLock { $0.maxConnections = maxConnections }
        try poller.add(listener.descriptor, .readable)
        try poller.add(wakeup.descriptor, .readable)
        reserveDescriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        readBuffer.deallocate()
    }

    var statistics: HTTPServerStatistics { counters.withLock { $0 } }

    /// Runs until shutdown has answered everything in flight (or was cut short by `abort`).
    func run() {
        while true {
            let events = (try? poller.wait(timeoutMs: 100)) ?? []
            let now = ContinuousClock.now
            for event in events {
                if event.descriptor == wakeup.descriptor {
                    wakeup.drain()
                } else if listening && event.descriptor == listener.descriptor {
                    acceptConnections(now)
                } else if let connection = connections[event.descriptor] {
                    handle(event, on: connection, now: now)
                }
            }
            deliverResponses(now: now)
            if mailbox.isDraining {
                if listening { stopListening() }
                if (connections.isEmpty && activeRequests == 0) || aborting.load(ordering: .acquiring) { break }
            }
            if now - lastSweep >= .milliseconds(100) {
                lastSweep = now
                sweep(now: now)
            }
        }
        for connection in Array(connections.values) { close(connection) }
        if listening { stopListening() }
        if reserveDescriptor >= 0 { Glibc.close(reserveDescriptor) }
        finished.signal()
    }

    /// Closes the listener when the loop never runs (a server stopped before it started).
    func closeListenerWithoutRunning() {
        listener.close()
    }

    /// Waits up to `timeout` for the loop to end; true when it did.
    func waitUntilFinished(timeout: Duration) -> Bool {
        let nanoseconds = Int(max(0, timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        guard finished.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return false }
        finished.signal()
        return true
    }

    /// Ends the loop now, closing every connection, even with requests in flight.
    func abort() {
        aborting.store(true, ordering: .releasing)
        mailbox.wake()
    }

    // MARK: - Accepting

    private func acceptConnections(_ now: ContinuousClock.Instant) {
        for _ in 0..<256 {
            let socket: StreamSocket
            do {
                guard let accepted = try listener.accept() else { return }
                socket = accepted
            } catch where error.outOfDescriptors {
                if evictOne() { continue }
                refuseWithReserveDescriptor()
                return
            } catch {
                return
            }
            if connections.count >= maxConnections && !evictOne() {
                refuse(socket)
                continue
            }
            nextID += 1
            let connection = HTTPConnection(id: nextID, socket: socket, limits: limits, now: now)
            do {
                try poller.add(socket.descriptor, .readable)
            } catch {
                socket.close()
                continue
            }
            connections[socket.descriptor] = connection
            counters.withLock {
                $0.acceptedConnections += 1
                $0.openConnections = connections.count
            }
        }
    }

    /// Closes the connection at the cap that is worth the least (see `ConnectionEviction`).
    private func evictOne() -> Bool {
        let candidates = connections.values.lazy.map {
            ConnectionEviction.Candidate(id: $0.socket.descriptor, phase: $0.phase, lastActivity: $0.lastActivity)
        }
        guard let descriptor = ConnectionEviction.victim(among: candidates), let victim = connections[descriptor] else { return false }
        counters.withLock { $0.evictedConnections += 1 }
        close(victim)
        return true
    }

    /// Every open connection has a request in flight: this one gets 503.
    private func refuse(_ socket: StreamSocket) {
        counters.withLock { $0.refusedConnections += 1 }
        let bytes = HTTPServerError.tooManyConnections.response.serialized(keepAlive: false)
        _ = bytes.withUnsafeBytes { try? socket.send($0) }
        socket.shutdownWrite()
        socket.close()
    }

    /// Out of descriptors with nothing to evict: frees the reserve descriptor to accept and
    /// refuse one connection, so the listener does not stay readable forever.
    private func refuseWithReserveDescriptor() {
        guard reserveDescriptor >= 0 else { return }
        Glibc.close(reserveDescriptor)
        if let socket = try? listener.accept() { refuse(socket) }
        reserveDescriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    private func stopListening() {
        listening = false
        poller.remove(listener.descriptor)
        listener.close()
        for connection in Array(connections.values) {
            if connection.handling || connection.hasPendingOutput {
                // Answered, then closed (the answer says `Connection: close`).
                connection.closing = true
                updateInterest(connection)
            } else if connection.lingerStartedAt == nil {
                close(connection)
            }
        }
    }

    // MARK: - Reading and parsing

    private func handle(_ event: EventPoller.Event, on connection: HTTPConnection, now: ContinuousClock.Instant) {
        if event.hangup {
            close(connection)
            return
        }
        if event.readable {
            readAvailable(connection, now: now)
            guard !connection.socket.isClosed else { return }
        }
        if event.writable {
            flush(connection, now: now)
            guard !connection.socket.isClosed else { return }
        }
        advance(connection, now: now)
    }

    private func readAvailable(_ connection: HTTPConnection, now: ContinuousClock.Instant) {
        for _ in 0..<4 {
            let discarding = connection.closing || connection.lingerStartedAt != nil
            if !discarding && connection.parser.bufferedByteCount >= readCap { return }
            let result: StreamSocket.ReceiveResult
            do {
                result = try connection.socket.receive(into: readBuffer)
            } catch {
                close(connection)
                return
            }
            switch result {
            case .received(let count):
                connection.lastActivity = now
                if discarding {
                    connection.lingerDiscarded += count
                    if connection.lingerDiscarded > limits.lingerMaxBytes {
                        close(connection)
                        return
                    }
                } else {
                    connection.parser.append(Array(readBuffer[0..<count]))
                    connection.updateRequestClocks(now: now)
                }
            case .wouldBlock:
                return
            case .endOfStream:
                connection.inputClosed = true
                return
            }
        }
    }

    /// Takes the next request out when none is being answered, closes what is finished, and
    /// registers the events the connection waits for now.
    private func advance(_ connection: HTTPConnection, now: ContinuousClock.Instant) {
        guard !connection.socket.isClosed else { return }
        if !connection.handling && !connection.closing {
            do throws(HTTPParseError) {
                if let request = try connection.parser.next() {
                    dispatch(request, on: connection, now: now)
                } else {
                    connection.updateRequestClocks(now: now)
                }
            } catch {
                refuse(connection, error, now: now)
                guard !connection.socket.isClosed else { return }
            }
        }
        if connection.inputClosed && !connection.handling && !connection.hasPendingOutput {
            // The client has stopped sending and is owed nothing more.
            close(connection)
            return
        }
        updateInterest(connection)
    }

    private func dispatch(_ request: HTTPRequest, on connection: HTTPConnection, now: ContinuousClock.Instant) {
        var received = request
        received.receivedAt = now
        let request = received
        connection.handling = true
        connection.resetRequestClocks(now: now)
        activeRequests += 1
        let writer = HTTPResponseWriter(connectionID: connection.id, descriptor: connection.socket.descriptor,
                                        request: request, mailbox: mailbox)
        let handler = self.handler
        workers.submit {
            handler.respond(to: request, writer: writer)
            writer.finishIfNeeded()
        }
    }

    /// Answers an error and ends the connection: the response, then a lingering close.
    private func refuse(_ connection: HTTPConnection, _ error: some HTTPResponseError, now: ContinuousClock.Instant) {
        connection.closing = true
        connection.parser = HTTPRequestParser(maxHeaderBytes: 0, maxBodyBytes: 0)
        connection.enqueue(error.response.serialized(keepAlive: false))
        flush(connection, now: now)
    }

    // MARK: - Writing

    private func deliverResponses(now: ContinuousClock.Instant) {
        for delivery in mailbox.takeAll() {
            if delivery.isFinal {
                activeRequests -= 1
                mailbox.forget(delivery.connectionID)
            }
            guard let connection = connections[delivery.descriptor], connection.id == delivery.connectionID else { continue }
            connection.enqueue(delivery.bytes)
            if delivery.isFinal {
                connection.handling = false
                if delivery.closeAfter || mailbox.isDraining { connection.closing = true }
                connection.resetRequestClocks(now: now)
            }
            flush(connection, now: now)
            advance(connection, now: now)
        }
    }

    private func flush(_ connection: HTTPConnection, now: ContinuousClock.Instant) {
        while connection.hasPendingOutput {
            let sent = connection.output.withUnsafeBytes { bytes -> Int? in
                try? connection.socket.send(UnsafeRawBufferPointer(rebasing: bytes[connection.written...]))
            }
            guard let sent else {
                close(connection)
                return
            }
            if sent == 0 { break }
            connection.written += sent
            connection.lastActivity = now
        }
        if !connection.hasPendingOutput && connection.closing && !connection.handling && connection.lingerStartedAt == nil {
            beginLinger(connection, now: now)
        }
    }

    /// The response is out: shut the write side (the client reads EOF after it) and discard
    /// what the client still sends for a short while, so closing does not reset the connection
    /// before the client has read the response.
    private func beginLinger(_ connection: HTTPConnection, now: ContinuousClock.Instant) {
        connection.socket.shutdownWrite()
        if connection.inputClosed || (mailbox.isDraining && connection.socket.unreadByteCount == 0) {
            close(connection)
            return
        }
        connection.lingerStartedAt = now
        connection.parser = HTTPRequestParser(maxHeaderBytes: 0, maxBodyBytes: 0)
    }

    private func updateInterest(_ connection: HTTPConnection) {
        guard !connection.socket.isClosed else { return }
        var wanted: EventPoller.Interest = []
        let discarding = connection.closing || connection.lingerStartedAt != nil
        if !connection.inputClosed && (discarding || connection.parser.bufferedByteCount < readCap) {
            wanted.insert(.readable)
        }
        if connection.hasPendingOutput { wanted.insert(.writable) }
        guard wanted != connection.interest else { return }
        do {
            try poller.modify(connection.socket.descriptor, wanted)
            connection.interest = wanted
        } catch {
            close(connection)
        }
    }

    // MARK: - Deadlines and closing

    /// Applies each connection's deadline for the phase it is in.
    private func sweep(now: ContinuousClock.Instant) {
        for connection in Array(connections.values) {
            let phase = connection.phase
            guard let timeout = limits.timeoutMs(for: phase), now - connection.phaseStartedAt >= .milliseconds(timeout) else { continue }
            if phase.timesOutWith408 {
                counters.withLock { $0.timedOutRequests += 1 }
                refuse(connection, HTTPServerError.requestTimeout, now: now)
                updateInterest(connection)
            } else {
                close(connection)
            }
        }
    }

    private func close(_ connection: HTTPConnection) {
        let descriptor = connection.socket.descriptor
        guard !connection.socket.isClosed else { return }
        if connection.handling { mailbox.abandon(connection.id) }
        poller.remove(descriptor)
        connection.socket.close()
        connections[descriptor] = nil
        counters.withLock { $0.openConnections = connections.count }
    }
}
