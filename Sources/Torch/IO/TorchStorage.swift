import Foundation

/// PyTorch storages inside a zip checkpoint and the tensors rebuilt from them
/// (`torch._utils._rebuild_tensor_v2`), with every offset and stride checked.
enum TorchStorage {
  /// Storage class names (`torch.FloatStorage`, ...) and the dtype of their elements.
  static let dtypes: [String: DType] = [
    "FloatStorage": .float32, "DoubleStorage": .float64, "HalfStorage": .float16,
    "BFloat16Storage": .bfloat16, "LongStorage": .int64, "IntStorage": .int32,
    "ShortStorage": .int16, "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
  ]

  /// Rebuilds tensors from `<prefix>/data/<key>` storage entries.
  final class Loader {
    let archive: ZipArchive
    let prefix: String
    let source: String
    /// Storage bytes (slices of the archive) by key, checked once even when views share them.
    private var bytesCache: [String: (dtype: DType, numel: Int, bytes: Data)] = [:]
    /// Whole storages as tensors, for strided views.
    private var tensorCache: [String: Tensor] = [:]

    init(archive: ZipArchive, prefix: String, source: String) {
      self.archive = archive
      self.prefix = prefix
      self.source = source
    }

    /// Whether `value` describes a tensor (a rebuilt tensor or parameter), without reading its storage.
    static func isTensor(_ value: PickleValue) -> Bool {
      guard case .object(let object) = value else { return false }
      return object.callable == PickleGlobal("torch._utils", "_rebuild_tensor_v2")
        || object.callable == PickleGlobal("torch._utils", "_rebuild_parameter")
    }

    /// The tensor `value` describes, or nil when it is not a tensor at all.
    func tensor(from value: PickleValue, name: String) throws -> Tensor? {
      guard case .object(let object) = value else { return nil }
      func fail(_ what: String) -> TorchError { TorchError("checkpoint \(source): tensor \"\(name)\": \(what)") }
      switch object.callable {
      case PickleGlobal("torch._utils", "_rebuild_parameter"):
        // _rebuild_parameter(data, requires_grad, backward_hooks): a Parameter around a tensor.
        guard let first = object.arguments.first, let tensor = try tensor(from: first, name: name) else {
          throw fail("_rebuild_parameter without a tensor argument")
        }
        return tensor
      case PickleGlobal("torch._utils", "_rebuild_tensor_v2"):
        return try rebuild(object.arguments, fail: fail)
      default:
        return nil
      }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])`.
    private func rebuild(_ args: [PickleValue], fail: (String) -> TorchError) throws -> Tensor {
      guard args.count == 6 || args.count == 7 else { throw fail("_rebuild_tensor_v2 with \(args.count) arguments") }
      let (key, dtype, numel) = try storageID(args[0], fail: fail)
      guard case .int(let offset) = args[1], offset >= 0 else { throw fail("storage offset \(args[1].kindDescription) is invalid") }
      let size = try ints(args[2], "size", fail: fail)
      let stride = try ints(args[3], "stride", fail: fail)
      guard size.count == stride.count else { throw fail("size \(size) and stride \(stride) differ in rank") }
      guard checkedByteCount(shape: size, dtype: dtype) != nil else { throw fail("size \(size) overflows") }
      try checkExtent(offset: offset, size: size, stride: stride, numel: numel, fail: fail)

      let bytes = try storageBytes(key: key, dtype: dtype, numel: numel, fail: fail)
      if isContiguous(size: size, stride: stride) {
        // The common case: the tensor is one run of the storage; copy just that run.
        let start = bytes.startIndex + offset * dtype.byteSize
        let count = size.reduce(1, *) * dtype.byteSize
        return try bytes[start..<(start + count)].withUnsafeBytes { try Tensor(bytes: $0, dtype: dtype, shape: size) }
      }
      // A strided view (transposed, sliced): view the whole storage, then copy it contiguous.
      let storage = try storageTensor(key: key, dtype: dtype, numel: numel, bytes: bytes)
      return try storage.asStrided(size: size, stride: stride, offset: offset).contiguous()
    }

    /// `('storage', torch.XStorage, key, location, numel)`.
    private func storageID(_ value: PickleValue, fail: (String) -> TorchError) throws -> (String, DType, Int) {
      guard case .persistentID(.tuple(let id)) = value, id.count == 5, case .string("storage") = id[0] else {
        throw fail("storage reference \(value.kindDescription) is not ('storage', type, key, location, numel)")
      }
      guard case .global(let type) = id[1], type.module == "torch", let dtype = TorchStorage.dtypes[type.name] else {
        throw fail("storage type \(id[1].kindDescription) is not supported")
      }
      // Keys are the storage's file name under data/: a plain name, never a path.
      guard case .string(let key) = id[2], !key.isEmpty, !key.contains("/"), key != "..", key != "." else {
        throw fail("storage key \(id[2].kindDescription) is invalid")
      }
      guard case .int(let numel) = id[4], numel >= 0 else { throw fail("storage size \(id[4].kindDescription) is invalid") }
      return (key, dtype, numel)
    }

    private func ints(_ value: PickleValue, _ what: String, fail: (String) -> TorchError) throws -> [Int] {
      guard case .tuple(let items) = value else { throw fail("\(what) is a \(value.kindDescription), not a tuple") }
      return try items.map {
        guard case .int(let n) = $0, n >= 0 else { throw fail("\(what) holds \($0.kindDescription), not a non-negative int") }
        return n
      }
    }

    /// The largest element index the view touches, offset + sum((size - 1) * stride), must lie
    /// inside the storage (an empty view only needs its offset inside).
    private func checkExtent(offset: Int, size: [Int], stride: [Int], numel: Int, fail: (String) -> TorchError) throws {
      if size.contains(0) {
        guard offset <= numel else { throw fail("offset \(offset) is beyond the storage of \(numel) elements") }
        return
      }
      var last = offset
      for (n, s) in zip(size, stride) {
        let (step, o1) = (n - 1).multipliedReportingOverflow(by: s)
        let (sum, o2) = last.addingReportingOverflow(step)
        guard !o1, !o2 else { throw fail("size \(size) with stride \(stride) overflows") }
        last = sum
      }
      guard last < numel else {
        throw fail("size \(size), stride \(stride) and offset \(offset) reach element \(last) of a storage of \(numel)")
      }
    }

    /// libtorch's definition (`compute_contiguous`): strides of size-1 dimensions do not matter.
    private func isContiguous(size: [Int], stride: [Int]) -> Bool {
      if size.contains(0) { return true }
      var expected = 1
      for (n, s) in zip(size, stride).reversed() where n != 1 {
        guard s == expected else { return false }
        expected *= n
      }
      return true
    }

    /// The bytes of storage `key`, checked (size, CRC-32) once and reused by later views.
    private func storageBytes(key: String, dtype: DType, numel: Int, fail: (String) -> TorchError) throws -> Data {
      if let hit = bytesCache[key] {
        // One storage read as two dtypes or sizes would be a malformed checkpoint.
        guard hit.dtype == dtype, hit.numel == numel else {
          throw fail("storage \(key) is used as \(hit.numel) x \(hit.dtype) and as \(numel) x \(dtype)")
        }
        return hit.bytes
      }
      let entryName = "\(prefix)/data/\(key)"
      guard let entry = archive.entry(named: entryName) else { throw fail("storage \(entryName) is missing") }
      guard let expected = checkedByteCount(shape: [numel], dtype: dtype), entry.size == expected else {
        throw fail("storage \(entryName) holds \(entry.size) bytes, expected \(numel) x \(dtype.byteSize)")
      }
      let bytes = try archive.contents(of: entry)
      // libtorch assumes bools are 0 or 1; any other byte would make comparisons lie.
      if dtype == .bool, let bad = bytes.first(where: { $0 > 1 }) {
        throw fail("BoolStorage \(entryName) holds byte \(bad), not 0 or 1")
      }
      bytesCache[key] = (dtype, numel, bytes)
      return bytes
    }

    /// The whole storage as a 1-D tensor, made once per key for strided views.
    private func storageTensor(key: String, dtype: DType, numel: Int, bytes: Data) throws -> Tensor {
      if let hit = tensorCache[key] { return hit }
      let tensor = try bytes.withUnsafeBytes { try Tensor(bytes: $0, dtype: dtype, shape: [numel]) }
      tensorCache[key] = tensor
      return tensor
    }
  }
}
