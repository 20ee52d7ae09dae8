import Foundation

/// The tensors and metadata of one safetensors file, in header order.
public struct SafeTensorsFile: Sendable {
  /// Tensors in the order their entries appear in the header (for files we write, the
  /// order they were given to `SafeTensors.write`).
  public var tensors: [(name: String, tensor: Tensor)]
  /// The free-form `__metadata__` strings (empty when the file has none).
  public var metadata: [String: String]

  public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// Tensor names in file order.
  public var names: [String] { tensors.map(\.name) }

  /// The tensor called `name`, if any.
  public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }
}

/// Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian header length N, N bytes of JSON describing each tensor's dtype,
/// shape and byte range, then the raw little-endian tensor bytes.
///
/// Reading never trusts the file: every length and offset is checked before it is used, and
/// a malformed file throws a `TorchError` naming the file and the offending field.
///
/// ```swift
/// try SafeTensors.write([("weight", w), ("bias", b)], metadata: ["epoch": "3"], to: url)
/// let file = try SafeTensors.read(from: url)
/// let w2 = file["weight"]
/// ```
public enum SafeTensors {
  /// Reads every tensor of the safetensors file at `url` (CPU tensors, each owning its memory).
  public static func read(from url: URL) throws -> SafeTensorsFile {
    let data: Data
    do {
      // Mapped so that a large checkpoint is not held twice (file bytes + tensors).
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw TorchError("safetensors file \(url.path): cannot read (\(error.localizedDescription))")
    }
    return try read(data: data, source: url.path)
  }

  /// The metadata of the safetensors file at `url`, from its header alone (the file is mapped, so
  /// its tensors are not read).
  public static func metadata(from url: URL) throws -> [String: String] {
    let data: Data
    do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
      throw TorchError("safetensors file \(url.path): cannot read (\(error.localizedDescription))")
    }
    return try SafeTensorsHeader(file: data, source: url.path).metadata
  }

  /// Reads every tensor of a safetensors file held in memory; `source` names it in errors.
  public static func read(data: Data, source: String = "<data>") throws -> SafeTensorsFile {
    let header = try SafeTensorsHeader(file: data, source: source)
    let base = data.startIndex + header.dataStart
    var tensors: [(name: String, tensor: Tensor)] = []
    tensors.reserveCapacity(header.entries.count)
    for entry in header.entries {
      // The range was checked against the data buffer when the header was parsed.
      let range = (base + entry.dataRange.lowerBound)..<(base + entry.dataRange.upperBound)
      let tensor = try data[range].withUnsafeBytes { raw in
        // libtorch assumes bools are 0 or 1; any other byte would make comparisons lie.
        if entry.dtype == .bool, let bad = raw.first(where: { $0 > 1 }) {
          throw TorchError("safetensors file \(source): BOOL tensor \"\(entry.name)\" holds byte \(bad), not 0 or 1")
        }
        return try Tensor(bytes: raw, dtype: entry.dtype, shape: entry.shape)
      }
      tensors.append((entry.name, tensor))
    }
    return SafeTensorsFile(tensors: tensors, metadata: header.metadata)
  }

  /// The bytes of a safetensors file holding `tensors` in the given order.
  public static func serialize(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) throws -> Data {
    var out = Data()
    try SafeTensorsWriter.emit(tensors, metadata: metadata) { out.append(contentsOf: $0) }
    return out
  }

  /// Writes `tensors` (in the given order) and `metadata` to `url` atomically: the file is
  /// written to a temporary file in the same directory and renamed over `url`, so readers
  /// never see a half-written checkpoint. Tensors on other devices are copied to the CPU.
  public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to url: URL) throws {
    try AtomicFileWriter.write(to: url) { sink in
      try SafeTensorsWriter.emit(tensors, metadata: metadata, to: sink)
    }
  }
}
