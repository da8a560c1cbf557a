/// A bounded map that forgets: at most `capacity` entries, each valid for `timeToLive` after it
/// was stored; when full, storing a new key evicts the least recently used entry. Lookups,
/// stores and evictions are O(1): a dictionary from key to slot, and the slots chained from the
/// most to the least recently used (indices into one array, reused after removal). Not
/// thread-safe; `VerdictCache` holds one behind a mutex. Time is passed in, so the logic is
/// tested with a hand-moved clock.
struct ExpiringLRU<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var expires: ContinuousClock.Instant
        /// The next more recently used slot (-1: this is the newest).
        var newer: Int
        /// The next less recently used slot (-1: this is the oldest).
        var older: Int
    }

    /// The most entries held; 0 holds none.
    let capacity: Int
    /// How long a stored entry is returned (from its store, not its last use).
    let timeToLive: Duration
    private var slots: [Node?] = []
    private var freeSlots: [Int] = []
    private var slotOfKey: [Key: Int] = [:]
    private var newest = -1
    private var oldest = -1

    init(capacity: Int, timeToLive: Duration) {
        precondition(capacity >= 0, "a capacity is not negative")
        self.capacity = capacity
        self.timeToLive = timeToLive
    }

    /// Entries held now (expired ones not yet dropped included).
    var count: Int { slotOfKey.count }

    /// Bytes the map's own storage takes now: its slot array and free list at their capacity,
    /// and the key-to-slot table at its capacity (a key and an index per bucket, plus the
    /// table's one bit of occupancy). What keys and values point to outside themselves (a long
    /// string's buffer) is not counted.
    var storageBytes: Int {
        // A Dictionary's capacity is 3/4 of its buckets (its maximum load factor).
        let buckets = slotOfKey.capacity * 4 / 3 + 1
        return slots.capacity * MemoryLayout<Node?>.stride + freeSlots.capacity * MemoryLayout<Int>.stride
            + buckets * (MemoryLayout<Key>.stride + MemoryLayout<Int>.stride) + buckets / 8
    }

    /// The keys from the most to the least recently used (for tests).
    var keysByRecency: [Key] {
        var keys: [Key] = []
        var slot = newest
        while slot != -1 {
            keys.append(slots[slot]!.key)
            slot = slots[slot]!.older
        }
        return keys
    }

    /// The value stored for `key` if it has not expired at `now` (it becomes the most recently
    /// used); an expired entry is dropped and nil returned.
    mutating func value(for key: Key, now: ContinuousClock.Instant) -> Value? {
        guard let slot = slotOfKey[key] else { return nil }
        guard now < slots[slot]!.expires else {
            remove(slot)
            return nil
        }
        moveToNewest(slot)
        return slots[slot]!.value
    }

    /// Stores `value` for `key` (replacing an entry and restarting its time to live), as the most
    /// recently used. Expired entries at the old end go first; then, if full, the least recently used.
    /// Returns how many entries were dropped to make room (expired or evicted).
    @discardableResult
    mutating func store(_ value: Value, for key: Key, now: ContinuousClock.Instant) -> Int {
        guard capacity > 0 else { return 0 }
        let expires = now + timeToLive
        if let slot = slotOfKey[key] {
            slots[slot]!.value = value
            slots[slot]!.expires = expires
            moveToNewest(slot)
            return 0
        }
        var dropped = 0
        while oldest != -1 && (slots[oldest]!.expires <= now || slotOfKey.count >= capacity) {
            remove(oldest)
            dropped += 1
        }
        let node = Node(key: key, value: value, expires: expires, newer: -1, older: -1)
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[slot] = node
        } else {
            slot = slots.count
            slots.append(node)
        }
        slotOfKey[key] = slot
        linkAsNewest(slot)
        return dropped
    }

    /// Forgets every entry.
    mutating func removeAll() {
        slots.removeAll()
        freeSlots.removeAll()
        slotOfKey.removeAll()
        newest = -1
        oldest = -1
    }

    private mutating func remove(_ slot: Int) {
        unlink(slot)
        slotOfKey[slots[slot]!.key] = nil
        slots[slot] = nil
        freeSlots.append(slot)
    }

    private mutating func moveToNewest(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let node = slots[slot]!
        if node.newer != -1 { slots[node.newer]!.older = node.older } else { newest = node.older }
        if node.older != -1 { slots[node.older]!.newer = node.newer } else { oldest = node.newer }
    }

    private mutating func linkAsNewest(_ slot: Int) {
        slots[slot]!.newer = -1
        slots[slot]!.older = newest
        if newest != -1 { slots[newest]!.newer = slot }
        newest = slot
        if oldest == -1 { oldest = slot }
    }
}
