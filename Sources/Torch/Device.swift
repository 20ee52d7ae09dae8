import CTorch

/// Where a tensor lives. `.cuda(i)` works when the linked libtorch was built with CUDA
/// (`Torch.cudaDeviceCount` > i); `checkAvailable()` says so before a run starts.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
  case cpu
  case cuda(Int)

  /// Parses PyTorch's spelling: `cpu`, `cuda` (device 0) or `cuda:N`.
  /// - Throws: `TorchError` naming the text when it is none of these.
  public init(parsing text: String) throws {
    let t = text.lowercased()
    if t == "cpu" { self = .cpu; return }
    if t == "cuda" { self = .cuda(0); return }
    if t.hasPrefix("cuda:"), let i = Int(t.dropFirst(5)), i >= 0 { self = .cuda(i); return }
    throw TorchError("device '\(text)': expected cpu, cuda or cuda:N (N a device index ≥ 0)")
  }

  /// Throws unless the linked libtorch can run tensors on this device: a CPU-only build (as
  /// Debian's) has no CUDA device, and `cuda:N` needs more than N devices.
  public func checkAvailable() throws {
    guard case .cuda(let i) = self else { return }
    let count = Torch.cudaDeviceCount
    if count == 0 {
      throw TorchError("device \(self): the linked libtorch has no CUDA support (a CPU-only build sees 0 CUDA devices); "
                       + "build FairPrune against a CUDA libtorch (LIBTORCH=/path/to/libtorch swift build, see README) or use --device cpu")
    }
    if i >= count {
      throw TorchError("device \(self): libtorch sees \(count) CUDA device\(count == 1 ? "" : "s") (cuda:0...cuda:\(count - 1))")
    }
  }

  var raw: ct_device {
    switch self {
    case .cpu: return ct_device(type: 0, index: 0)
    case .cuda(let i): return ct_device(type: 1, index: Int32(i))
    }
  }
  init(raw: ct_device) { self = raw.type == 1 ? .cuda(Int(raw.index)) : .cpu }

  public var description: String {
    switch self {
    case .cpu: return "cpu"
    case .cuda(let i): return "cuda:\(i)"
    }
  }
}

/// Config files and run folders spell a device as PyTorch does (`"cpu"`, `"cuda:1"`).
extension Device: Codable {
  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    do { try self.init(parsing: text) } catch let error as TorchError {
      throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.message))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
