import GBatchy
import Testing

/// The one waiter queue of the batch stores, promises, pools and connection threads, tested without tasks.
@Suite("WaiterQueue", .timeLimit(.minutes(1)))
struct WaiterQueueTests {
    @Test("waiters leave in the order they came")
    func firstInFirstOut() {
        let queue = QueueBox<Int>()
        for value in 1...5 { queue.append(value) }
        let late = queue.reserve()
        #expect(queue.register(6, for: late))
        #expect(queue.count == 6)
        var order: [Int] = []
        while let value = queue.popFirst() { order.append(value) }
        #expect(order == [1, 2, 3, 4, 5, 6])
        #expect(queue.isEmpty)
    }

    @Test("removal by ticket at the front, in the middle and at the end", arguments: [0, 2, 4])
    func removeByTicket(position: Int) {
        let queue = QueueBox<Int>()
        let tickets = (0..<5).map { queue.append($0) }
        #expect(queue.remove(tickets[position]) == position)
        #expect(queue.remove(tickets[position]) == nil)
        #expect(queue.count == 4)
        #expect(queue.removeAll() == (0..<5).filter { $0 != position })
        #expect(queue.remove(tickets[(position + 1) % 5]) == nil)
    }

    @Test("cancelled before registered: the registration is refused, whatever the order of the two")
    func cancelledBeforeRegistered() {
        let queue = QueueBox<String>()
        let early = queue.reserve()
        #expect(queue.remove(early) == nil)  // the cancellation handler runs first and finds no waiter
        #expect(!queue.register("early", for: early))
        #expect(!queue.withdraw(early))
        let late = queue.reserve()
        #expect(queue.register("late", for: late))
        #expect(queue.remove(late) == "late")  // registered first: the handler gets the waiter to resume
        #expect(queue.isEmpty)
    }

    @Test("a withdrawn ticket leaves the line, and a cancellation after it finds nothing")
    func withdraw() {
        let queue = QueueBox<Int>()
        let ticket = queue.reserve()
        #expect(queue.withdraw(ticket))
        #expect(queue.remove(ticket) == nil)
        #expect(!queue.register(1, for: ticket))
        #expect(queue.popFirst() == nil)
    }

    @Test("a reserved ticket does not hold back the waiters behind it, and keeps its place through removeAll")
    func reservedTickets() {
        let queue = QueueBox<Int>()
        let reserved = queue.reserve()
        queue.append(1)
        queue.append(2)
        #expect(queue.popFirst() == 1)
        #expect(queue.removeAll() == [2])
        #expect(queue.popFirst() == nil)
        #expect(queue.register(3, for: reserved))
        queue.append(4)
        #expect(queue.removeAll() == [3, 4])
    }

    @Test("the queue never runs a waiter: the owner runs what it takes out once its lock is released")
    func resumesOutsideTheLock() {
        let locked = Locked(WaiterQueue<@Sendable () -> Int>())
        for value in 0..<3 {
            // Each waiter takes the owner's lock: run under it, it would deadlock.
            locked.withLock { queue in _ = queue.append { locked.withLock { $0.count } + value } }
        }
        let first = locked.withLock { $0.popFirst() }
        #expect(first?() == 2)  // two waiters were still in the line when it ran
        let rest = locked.withLock { $0.removeAll() }
        #expect(rest.map { $0() } == [1, 2])
    }

    @Test("100,000 waiters, all but one removed in random order: the last one is first in line")
    func manyWaiters() {
        let queue = QueueBox<Int>()
        var random = SplitMix64(seed: 10)
        let count = 100_000
        let tickets = (0..<count).map { _ in queue.reserve() }
        for (value, ticket) in tickets.enumerated() { #expect(queue.register(value, for: ticket)) }
        let survivor = 61_803
        var order = Array(0..<count).filter { $0 != survivor }
        order.shuffle(using: &random)
        for value in order {
            guard queue.remove(tickets[value]) == value else {
                Issue.record("ticket \(value) did not return its waiter")
                return
            }
        }
        #expect(queue.count == 1)
        #expect(queue.popFirst() == survivor)
        #expect(queue.isEmpty)
    }

    @Test("random operations agree with a plain list, seed after seed")
    func agreesWithAPlainList() {
        for seed in 1...20 {
            var random = SplitMix64(seed: UInt64(seed))
            let queue = QueueBox<Int>()
            // The model: every ticket in order, with its waiter once registered; `nil` entries are reserved.
            var line: [(ticket: WaiterTicket, waiter: Int?)] = []
            var ended: [WaiterTicket] = []
            var next = 0
            for _ in 0..<2_000 {
                next += 1
                switch random.next() % 8 {
                case 0, 1:
                    line.append((queue.reserve(), nil))
                case 2:
                    line.append((queue.append(next), next))
                case 3:
                    guard let slot = line.indices.filter({ line[$0].waiter == nil }).randomElement(using: &random)
                    else { continue }
                    #expect(queue.register(next, for: line[slot].ticket))
                    line[slot].waiter = next
                case 4:
                    guard let slot = line.indices.randomElement(using: &random) else { continue }
                    let removed = line.remove(at: slot)
                    #expect(queue.remove(removed.ticket) == removed.waiter)
                    ended.append(removed.ticket)
                case 5:
                    guard let slot = line.indices.filter({ line[$0].waiter == nil }).randomElement(using: &random)
                    else { continue }
                    let withdrawn = line.remove(at: slot).ticket
                    #expect(queue.withdraw(withdrawn))
                    ended.append(withdrawn)
                case 6:
                    let first = line.firstIndex { $0.waiter != nil }.map { line.remove(at: $0) }
                    #expect(queue.popFirst() == first?.waiter)
                    if let first { ended.append(first.ticket) }
                default:
                    if random.next() % 4 == 0 {
                        let waiters = line.compactMap(\.waiter)
                        #expect(queue.removeAll() == waiters)
                        ended += line.filter { $0.waiter != nil }.map(\.ticket)
                        line.removeAll { $0.waiter != nil }
                    } else if let ticket = ended.randomElement(using: &random) {
                        #expect(queue.remove(ticket) == nil)
                        #expect(!queue.register(0, for: ticket))
                    }
                }
                let waiting = line.count { $0.waiter != nil }
                #expect(queue.count == waiting)
            }
        }
    }
}

/// A queue in a class, so that `#expect` can call its mutating methods.
final class QueueBox<Waiter> {
    private var queue = WaiterQueue<Waiter>()

    var count: Int { queue.count }
    var isEmpty: Bool { queue.isEmpty }
    func reserve() -> WaiterTicket { queue.reserve() }
    func register(_ waiter: Waiter, for ticket: WaiterTicket) -> Bool { queue.register(waiter, for: ticket) }
    @discardableResult func append(_ waiter: Waiter) -> WaiterTicket { queue.append(waiter) }
    func withdraw(_ ticket: WaiterTicket) -> Bool { queue.withdraw(ticket) }
    func remove(_ ticket: WaiterTicket) -> Waiter? { queue.remove(ticket) }
    func popFirst() -> Waiter? { queue.popFirst() }
    func removeAll() -> [Waiter] { queue.removeAll() }
}
