import Foundation
import Torch

/// The python version of CIFAR-100: pickled dicts (written by Python 2's cPickle, protocol 2)
/// with `data` (a uint8 NumPy array [N, 3072]), `fine_labels` and `coarse_labels` (lists of
/// ints); `meta` holds `fine_label_names` and `coarse_label_names`. Read with the strict
/// `PickleReader`: the only globals allowed are those of a NumPy array (`NumpyPickleArray`).
enum CIFAR100Pickle {
  static let reader = PickleReader(
    allowedGlobals: NumpyPickleArray.allowedGlobals, maxValues: 1_000_000,
    disallowedGlobalHint: "a CIFAR-100 pickle holds only NumPy arrays, lists, strings and numbers")

  static func load(_ url: URL) throws -> PickleValue { try load(data: ImageCodec.readFile(url), url: url) }

  static func load(data: Data, url: URL) throws -> PickleValue {
    do {
      return try reader.read(data, source: url.lastPathComponent)
    } catch let error as TorchError {
      throw DatasetError(error.message, file: url.path)
    }
  }

  static func read(_ url: URL) throws -> CIFAR100.RawSplit { try read(data: ImageCodec.readFile(url), source: url) }

  /// A split from the bytes of its pickle; `source` names it in errors.
  static func read(data: Data, source url: URL) throws -> CIFAR100.RawSplit {
    let root = try load(data: data, url: url)
    func fail(_ message: String) -> DatasetError { DatasetError(message, file: url.path) }
    guard case .dict = root else { throw fail("expected a dict, found \(root.kindDescription)") }
    guard let dataValue = root.entry("data") else { throw fail("no 'data' entry") }
    let array: NumpyPickleArray
    do {
      array = try NumpyPickleArray(dataValue, what: "'data'")
    } catch let error as DatasetError {
      throw fail(error.message)
    }
    guard array.code == "u1", array.shape.count == 2, array.shape[1] == CIFAR100.imageBytes else {
      throw fail("'data' is \(array.code) of shape \(array.shape), expected u1 of shape [N, \(CIFAR100.imageBytes)]")
    }
    let fine = try labels(root, "fine_labels", below: 100, url)
    let coarse = try labels(root, "coarse_labels", below: 20, url)
    let n = array.shape[0]
    guard fine.count == n, coarse.count == n else {
      throw fail("\(n) images but \(fine.count) fine and \(coarse.count) coarse labels")
    }
    return CIFAR100.RawSplit(pixels: array.data, fine: fine, coarse: coarse)
  }

  private static func labels(_ root: PickleValue, _ key: String, below limit: Int, _ url: URL) throws -> [Int] {
    guard let value = root.entry(key) else { throw DatasetError("no '\(key)' entry", file: url.path) }
    let values: [Int]
    switch value {
    case .list(let items):
      values = try items.enumerated().map { i, item in
        guard case .int(let v) = item else {
          throw DatasetError("\(key)[\(i)] is \(item.kindDescription), not an int", file: url.path)
        }
        return v
      }
    default:
      do {
        values = try NumpyPickleArray(value, what: "'\(key)'").integers()
      } catch let error as DatasetError {
        throw DatasetError(error.message, file: url.path)
      }
    }
    if let i = values.firstIndex(where: { $0 < 0 || $0 >= limit }) {
      throw DatasetError("\(key)[\(i)] = \(values[i]) is outside 0..<\(limit)", file: url.path)
    }
    return values
  }

  /// Label names from `meta`, or generic names when it is absent.
  static func labelNames(_ dir: URL) throws -> (fine: [String], coarse: [String]) {
    let url = dir.appendingPathComponent("meta")
    guard FileManager.default.fileExists(atPath: url.path) else {
      return (CIFAR100.genericNames("fine", 100), CIFAR100.genericNames("coarse", 20))
    }
    let meta = try load(url)
    func names(_ key: String, _ count: Int) throws -> [String] {
      guard case .list(let items)? = meta.entry(key) else { throw DatasetError("no '\(key)' list", file: url.path) }
      let names = items.compactMap(NumpyPickleArray.text)
      guard names.count == count, items.count == count else {
        throw DatasetError("'\(key)' has \(items.count) entries, expected \(count) strings", file: url.path)
      }
      return names
    }
    return (try names("fine_label_names", 100), try names("coarse_label_names", 20))
  }
}
