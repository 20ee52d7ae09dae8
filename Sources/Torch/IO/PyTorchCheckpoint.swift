import Foundation

/// Loading of PyTorch `torch.save` checkpoints (the zip format of torch >= 1.6) without Python.
///
/// Only state dicts are supported: `torch.save(model.state_dict(), path)`. The pickle inside
/// is read by `PickleReader` with an allow-list of the few globals a state dict uses, so a
/// checkpoint cannot run code; a pickled module or any other object is refused with advice.
public enum PyTorchCheckpoint {
  /// Globals a state-dict pickle may name.
  static let allowedGlobals: Set<PickleGlobal> = {
    var globals: Set<PickleGlobal> = [
      PickleGlobal("collections", "OrderedDict"),
      PickleGlobal("torch._utils", "_rebuild_tensor_v2"),
      PickleGlobal("torch._utils", "_rebuild_parameter"),
    ]
    for name in TorchStorage.dtypes.keys { globals.insert(PickleGlobal("torch", name)) }
    return globals
  }()

  static let stateDictAdvice = "only state dicts can be loaded: save with torch.save(model.state_dict(), path)"

  /// The tensors of a `torch.save(model.state_dict(), path)` file, in the state dict's order
  /// ("0.weight", "0.bias", ...). Each tensor is a contiguous CPU tensor owning its memory,
  /// whatever device or strides it was saved with.
  public static func loadStateDict(from url: URL) throws -> [(String, Tensor)] {
    try loadModelState(from: url).state.map { ($0.name, $0.tensor) }
  }

  /// A model's state dict from a `torch.save` file holding it directly or inside a training
  /// checkpoint's dict (`{'state_dict': ..., 'epoch': ...}`, under one of `wrapperKeys`), with the
  /// key it was found under.
  public static func loadModelState(from url: URL) throws -> (state: [(name: String, tensor: Tensor)], wrapperKey: String?) {
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw TorchError("checkpoint \(url.path): cannot read (\(error.localizedDescription))")
    }
    return try loadModelState(data: data, source: url.path)
  }

  /// Where training scripts commonly put the model's state dict in a checkpoint dict.
  public static let wrapperKeys = ["state_dict", "model_state_dict", "model", "net", "module"]

  /// Like `loadStateDict(from:)` for a checkpoint held in memory; `source` names it in errors.
  public static func loadStateDict(data: Data, source: String = "<data>") throws -> [(String, Tensor)] {
    try loadModelState(data: data, source: source).state.map { ($0.name, $0.tensor) }
  }

  /// Like `loadModelState(from:)` for a checkpoint held in memory.
  public static func loadModelState(data: Data, source: String = "<data>") throws
    -> (state: [(name: String, tensor: Tensor)], wrapperKey: String?) {
    func fail(_ what: String) -> TorchError { TorchError("checkpoint \(source): \(what)") }
    // Legacy torch.save (before 1.6, or _use_new_zipfile_serialization=False) starts with a
    // pickled magic number rather than a zip local header.
    if data.count >= 2, data[data.startIndex] == 0x80, data[data.startIndex + 1] == 0x02 {
      throw fail("legacy (non-zip) torch.save format is not supported; re-save it with torch >= 1.6 defaults")
    }
    let archive = try ZipArchive(data: data, source: source)
    let prefix = try topFolder(of: archive, fail: fail)
    if let order = archive.entry(named: "\(prefix)/byteorder") {
      let text = String(decoding: try archive.contents(of: order), as: UTF8.self)
      guard text == "little" else { throw fail("byte order \"\(text)\" is not supported (only little-endian)") }
    }
    let pickleName = "\(prefix)/data.pkl"
    guard let pickleEntry = archive.entry(named: pickleName) else { throw fail("no \(pickleName) in the archive") }

    let reader = PickleReader(allowedGlobals: allowedGlobals, disallowedGlobalHint: stateDictAdvice)
    let root = try reader.read(try archive.contents(of: pickleEntry), source: "\(source):\(pickleName)")
    let storages = TorchStorage.Loader(archive: archive, prefix: prefix, source: source)

    var items = try stateDictItems(root, fail: fail)
    var wrapperKey: String?
    // A training checkpoint: the model's state dict is one value among epoch, optimizer, ...
    if !items.isEmpty, !items.contains(where: { TorchStorage.Loader.isTensor($0.value) }) {
      for candidate in wrapperKeys {
        if let entry = items.first(where: { if case .string(let k) = $0.key { return k == candidate } else { return false } }), let inner = try? stateDictItems(entry.value, fail: fail) {
          items = inner
          wrapperKey = candidate
          break
        }
      }
    }
    var result: [(name: String, tensor: Tensor)] = []
    var seen = Set<String>()
    for (key, value) in items {
      guard case .string(let name) = key else { throw fail("state dict key \(key.kindDescription) is not a string") }
      guard seen.insert(name).inserted else { throw fail("state dict key \"\(name)\" appears twice") }
      guard let tensor = try storages.tensor(from: value, name: name) else {
        throw fail("value of \"\(name)\" is a \(value.kindDescription), not a tensor; \(stateDictAdvice)")
      }
      result.append((name, tensor))
    }
    return (result, wrapperKey)
  }

  /// The one folder that holds every entry (PyTorch names it after the file, but any name is fine).
  private static func topFolder(of archive: ZipArchive, fail: (String) -> TorchError) throws -> String {
    let folders = Set(archive.entries.map { $0.name.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0] })
    guard folders.count == 1, let folder = folders.first, !folder.isEmpty,
          archive.entries.allSatisfy({ $0.name.contains("/") }) else {
      throw fail("expected every entry under one top folder, found \(folders.sorted().prefix(5))")
    }
    return String(folder)
  }

  /// The key/value pairs of an `OrderedDict` (REDUCE with no arguments, then SETITEMS; its
  /// BUILD state holds `_metadata`, which is ignored) or of a plain dict.
  private static func stateDictItems(_ root: PickleValue, fail: (String) -> TorchError) throws
    -> [(key: PickleValue, value: PickleValue)] {
    switch root {
    case .dict(let items):
      return items
    case .object(let object) where object.callable == PickleGlobal("collections", "OrderedDict"):
      guard object.listItems.isEmpty else { throw fail("OrderedDict with list items") }
      // OrderedDict(pairs) would pass the items as an argument; torch passes none.
      guard object.arguments.isEmpty else { throw fail("OrderedDict built from arguments is not supported") }
      return object.dictItems
    default:
      throw fail("top-level value is a \(root.kindDescription), not a dict of tensors; \(stateDictAdvice)")
    }
  }
}
