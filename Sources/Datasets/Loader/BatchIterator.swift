import Foundation

/// The batches of one epoch, built in order either on demand or by a background producer
/// thread that stays at most `prefetch` batches ahead (a bounded queue). An error while
/// building a batch is thrown by the `next()` that would have returned it; the producer then
/// stops. Dropping the iterator (or `cancel()`) stops the producer after the batch in progress.
public final class BatchIterator: @unchecked Sendable {
  private let count: Int
  private let build: @Sendable (Int) throws -> Batch
  private let prefetch: Int
  private var nextIndex = 0
  private let queue: PrefetchQueue?

  init(count: Int, prefetch: Int, build: @escaping @Sendable (Int) throws -> Batch) {
    self.count = count
    self.build = build
    self.prefetch = prefetch
    if prefetch > 0, count > 0 {
      let queue = PrefetchQueue(capacity: prefetch)
      self.queue = queue
      let thread = Thread {
        for b in 0..<count {
          let result = Result { try build(b) }
          guard queue.put(result) else { return }
          if case .failure = result { return }
        }
      }
      thread.name = "fairprune.prefetch"
      thread.start()
    } else {
      queue = nil
    }
  }

  deinit { queue?.cancel() }

  /// Batches in this epoch.
  public var batchCount: Int { count }

  /// The next batch, or nil after the last one.
  public func next() throws -> Batch? {
    guard nextIndex < count else { return nil }
    defer { nextIndex += 1 }
    if let queue {
      guard let result = queue.take() else { return nil }
      if case .failure = result { nextIndex = count - 1 }
      return try result.get()
    }
    do {
      return try build(nextIndex)
    } catch {
      nextIndex = count - 1
      throw error
    }
  }

  /// Stops the producer; later `next()` calls return nil.
  public func cancel() {
    queue?.cancel()
    nextIndex = count
  }
}

/// A bounded FIFO between the producer thread and the consumer.
final class PrefetchQueue: @unchecked Sendable {
  private let condition = NSCondition()
  private var items: [Result<Batch, Error>] = []
  private let capacity: Int
  private var cancelled = false

  init(capacity: Int) { self.capacity = capacity }

  /// Blocks while full; false when cancelled (the producer should stop).
  func put(_ item: Result<Batch, Error>) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while items.count >= capacity && !cancelled { condition.wait() }
    if cancelled { return false }
    items.append(item)
    condition.broadcast()
    return true
  }

  /// Blocks while empty; nil when cancelled.
  func take() -> Result<Batch, Error>? {
    condition.lock()
    defer { condition.unlock() }
    while items.isEmpty && !cancelled { condition.wait() }
    if cancelled { return nil }
    let item = items.removeFirst()
    condition.broadcast()
    return item
  }

  func cancel() {
    condition.lock()
    cancelled = true
    items.removeAll()
    condition.broadcast()
    condition.unlock()
  }
}
