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
}
