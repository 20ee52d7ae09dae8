import Foundation

/// Decodes the files of an `ImageList` in parallel into an `ImageStore`.
enum ImageListDecoder {
  /// The decoded images; `kept` are the list positions that decoded (all of them under
  /// `.fail`), `skipped` says why the others did not.
  struct Result {
    var store: ImageStore
    var kept: [Int]
    var skipped: [SkippedItem]
  }

  static func decode(_ list: ImageList, options: ImageLoadOptions) throws -> Result {
    try options.decode.validate()
    guard list.count > 0 else { throw DatasetError("no images to decode", file: list.root.path) }
    // The first image that decodes fixes the stored size.
    var first: (index: Int, image: RGBImage)?
    var skipped: [SkippedItem] = []
    for i in 0..<list.count {
      do {
        first = (i, try decodeOne(list, i, options.decode))
        break
      } catch let error as DatasetError where options.badImages == .skip {
        skipped.append(skip(list, i, error))
      }
    }
    guard let first else { throw DatasetError("none of the \(list.count) images decoded", file: list.root.path) }
    let store = try ImageStore(count: list.count, channels: 3, height: first.image.height, width: first.image.width)
    store.set(first.index, first.image)

    let failures = FailureLog()
    let next = Counter(start: first.index + 1)
    let threads = max(1, min(options.threads, list.count))
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      while !failures.shouldStop(options.badImages) {
        let i = next.take()
        if i >= list.count { return }
        do {
          let image = try decodeOne(list, i, options.decode)
          guard image.width == store.width, image.height == store.height else {
            throw DatasetError("is \(image.width)x\(image.height) after decoding, but \(list.records[first.index].path) is "
                               + "\(store.width)x\(store.height); choose a resize so that all images match", file: list.url(at: i).path)
          }
          store.set(i, image)
        } catch let error as DatasetError {
          failures.add(i, error)
        } catch {
          failures.add(i, DatasetError("\(error)", file: list.url(at: i).path))
        }
      }
    }
    let failed = failures.sorted()
    if options.badImages == .fail, let (_, error) = failed.first { throw error }
    skipped += failed.map { skip(list, $0.0, $0.1) }
    let bad = Set(failed.map(\.0)).union(0..<first.index)
    let kept = (0..<list.count).filter { !bad.contains($0) }
    return Result(store: store, kept: kept, skipped: skipped)
  }

  /// Decodes file `i` of the list; missing files and decode failures name the file (and the
  /// CSV line that listed it, when known).
  static func decodeOne(_ list: ImageList, _ i: Int, _ transform: DecodeTransform) throws -> RGBImage {
    let url = list.url(at: i)
    do {
      // A link inside the data root may point anywhere; what it points to is not read unless it
      // stays inside the root.
      let resolved = url.resolvingSymlinksInPath().path, root = list.root.resolvingSymlinksInPath().path
      guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
        throw DatasetError("links outside the dataset root \(list.root.path); not read", file: url.path)
      }
      return try transform.decode(try ImageCodec.readFile(url), source: url.path)
    } catch var error as DatasetError {
      if let origin = list.records[i].origin, origin != url.path { error.message += " (listed at \(origin))" }
      throw error
    }
  }

  private static func skip(_ list: ImageList, _ i: Int, _ error: DatasetError) -> SkippedItem {
    SkippedItem(file: error.file ?? list.url(at: i).path, line: error.line, reason: error.message)
  }
}

/// A shared work counter.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Int
  init(start: Int) { value = start }
  func take() -> Int {
    lock.lock()
    defer { lock.unlock() }
    value += 1
    return value - 1
  }
}

/// Errors of parallel decoding, by list position.
final class FailureLog: @unchecked Sendable {
  private let lock = NSLock()
  private var failures: [(Int, DatasetError)] = []
  func add(_ i: Int, _ error: DatasetError) {
    lock.lock()
    failures.append((i, error))
    lock.unlock()
  }
  /// Under `.fail` there is no point decoding on after the first failure.
  func shouldStop(_ policy: BadRecordPolicy) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    return policy == .fail && !failures.isEmpty
  }
  func sorted() -> [(Int, DatasetError)] {
    lock.lock()
    defer { lock.unlock() }
    return failures.sorted { $0.0 < $1.0 }
  }
}
