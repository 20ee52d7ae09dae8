/// Helpers for the `[(name, tensor)]` lists that state dicts and checkpoints are made of.
public enum NamedTensors {
  /// The entries whose name starts with `prefix`, with the prefix removed.
  public static func entries(_ list: [(name: String, tensor: Tensor)], under prefix: String) -> [(name: String, tensor: Tensor)] {
    list.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.tensor) }
  }

  /// Every entry with `prefix` put in front of its name.
  public static func prefixed(_ list: [(name: String, tensor: Tensor)], with prefix: String) -> [(name: String, tensor: Tensor)] {
    list.map { (prefix + $0.name, $0.tensor) }
  }

  /// A digest of names, dtypes, shapes and values ("crc32:…" of their safetensors bytes, with the
  /// byte count): tells whether two state dicts are the same, e.g. a run's dense model on resume.
  public static func digest(_ list: [(name: String, tensor: Tensor)]) throws -> String {
    let bytes = try SafeTensors.serialize(list.map { ($0.name, $0.tensor) })
    return String(format: "crc32:%08x/%d", CRC32.checksum(bytes), bytes.count)
  }
}
