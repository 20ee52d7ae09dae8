import Foundation

/// A split read from image files batch by batch: each batch's files are decoded (in parallel
/// over `threads`) when the batch is built, so with the loader's prefetch, decoding overlaps
/// training and nothing but the current batches is held in memory. Every image must have the
/// same size after `decode`.
public struct ImageFileSplit: BatchSource {
  /// The files, relative to the list's root.
  public let list: ImageList
  /// One row per file.
  public let labels: LabelTable
  /// Resize / crop at decode time.
  public var decode: DecodeTransform
  /// Crop / flip / normalization per batch.
  public var transform: BatchTransform
  /// Decoding threads per batch.
  public var threads: Int

  public init(list: ImageList, attributeCount: Int, decode: DecodeTransform = .none, transform: BatchTransform,
              threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
    try decode.validate()
    try transform.normalization.validate(channels: 3)
    self.list = list
    labels = try LabelTable(records: list.records, attributeCount: attributeCount)
    self.decode = decode
    self.transform = transform
    self.threads = max(1, threads)
  }

  public var count: Int { list.count }

  public func makeBatch(_ indices: [Int], seed: UInt64) throws -> Batch {
    try checkIndices(indices, count: count)
    guard !indices.isEmpty else { throw DatasetError("empty batch") }
    let images = ImageSlots(count: indices.count)
    let failures = FailureLog()
    let next = Counter(start: 0)
    let list = self.list
    let decode = self.decode
    DispatchQueue.concurrentPerform(iterations: min(threads, indices.count)) { _ in
      while !failures.shouldStop(.fail) {
        let k = next.take()
        if k >= indices.count { return }
        do {
          images.set(k, try ImageListDecoder.decodeOne(list, indices[k], decode))
        } catch let error as DatasetError {
          failures.add(k, error)
        } catch {
          failures.add(k, DatasetError("\(error)", file: list.url(at: indices[k]).path))
        }
      }
    }
    if let (_, error) = failures.sorted().first { throw error }
    let decoded = images.all()
    let first = decoded[0]
    for (k, image) in decoded.enumerated() where image.width != first.width || image.height != first.height {
      throw DatasetError("is \(image.width)x\(image.height) after decoding, but \(list.records[indices[0]].path) is "
                         + "\(first.width)x\(first.height); choose a resize so that all images match",
                         file: list.url(at: indices[k]).path)
    }
    let assembler = try BatchAssembler(transform: transform, channels: 3, height: first.height, width: first.width)
    let planar = decoded.map { $0.planar() }
    let inputs = try assembler.assemble(count: indices.count, seed: seed) { k, body in
      planar[k].withUnsafeBufferPointer { body($0) }
    }
    let (targets, attributes) = try labels.tensors(indices)
    return Batch(inputs: inputs, targets: targets, attributes: attributes, indices: indices)
  }
}

/// Decoded images of one batch, filled from several threads.
final class ImageSlots: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [RGBImage?]
  init(count: Int) { slots = Array(repeating: nil, count: count) }
  func set(_ k: Int, _ image: RGBImage) {
    lock.lock()
    slots[k] = image
    lock.unlock()
  }
  func all() -> [RGBImage] {
    lock.lock()
    defer { lock.unlock() }
    return slots.map { $0! }
  }
}
