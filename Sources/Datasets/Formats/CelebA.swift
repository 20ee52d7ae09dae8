import Foundation

/// CelebA: `list_attr_celeba.txt` (a count line, a line of 40 attribute names, then
/// `image v1 ... v40` with values -1 / 1), `list_eval_partition.txt` (`image p`, p = 0 train,
/// 1 validation, 2 test) and the image folder `img_align_celeba`. Any attribute can be the
/// (binary) target or a protected attribute; -1 is value 0 ("not <name>") and 1 is value 1.
public struct CelebA: Sendable {
  /// The folder with `list_attr_celeba.txt` and `list_eval_partition.txt`.
  public var root: URL
  /// The image folder; nil: `root/img_align_celeba`.
  public var imageDirectory: URL?
  /// The attribute predicted (e.g. "Smiling").
  public var target: String
  /// Protected attributes (e.g. ["Male", "Young"]).
  public var protected: [String]
  /// What to do with a malformed attribute line.
  public var badRecords: BadRecordPolicy

  public init(root: URL, imageDirectory: URL? = nil, target: String, protected: [String], badRecords: BadRecordPolicy = .fail) {
    self.root = root
    self.imageDirectory = imageDirectory
    self.target = target
    self.protected = protected
    self.badRecords = badRecords
  }

  /// Whitespace-separated lines with their 1-based line numbers, blank lines dropped.
  static func lines(_ url: URL) throws -> [(fields: [Substring], line: Int)] {
    let text = String(decoding: try ImageCodec.readFile(url), as: UTF8.self)
    var out: [(fields: [Substring], line: Int)] = []
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      if !fields.isEmpty { out.append((fields, i + 1)) }
    }
    return out
  }

  /// The official partition of each image name.
  static func partitions(_ url: URL) throws -> [String: Int] {
    var out: [String: Int] = [:]
    for (fields, line) in try lines(url) {
      guard fields.count == 2, let p = Int(fields[1]), (0...2).contains(p) else {
        throw DatasetError("expected '<image> <0, 1 or 2>'", file: url.path, line: line)
      }
      out[String(fields[0])] = p
    }
    return out
  }

  /// Reads both lists; train / validation / test follow the official partition.
  public func read() throws -> ImageDatasetManifest {
    let attrURL = root.appendingPathComponent("list_attr_celeba.txt")
    let partitionURL = root.appendingPathComponent("list_eval_partition.txt")
    let partition = try Self.partitions(partitionURL)
    let lines = try Self.lines(attrURL)
    guard lines.count >= 2 else { throw DatasetError("expected a count line and a header line", file: attrURL.path, line: 1) }
    let names = lines[1].fields.map(String.init)
    let wanted = [target] + protected
    let columns = try wanted.map { name -> Int in
      guard let i = names.firstIndex(of: name) else {
        throw DatasetError("no attribute '\(name)' (attributes: \(names.joined(separator: ", ")))", file: attrURL.path, line: lines[1].line)
      }
      return i
    }
    if let declared = Int(lines[0].fields[0]), declared != lines.count - 2 {
      throw DatasetError("declares \(declared) images but lists \(lines.count - 2)", file: attrURL.path, line: lines[0].line)
    }
    var parts: [[ImageRecord]] = [[], [], []]
    var skipped: [SkippedItem] = []
    for (fields, line) in lines.dropFirst(2) {
      do {
        guard fields.count == names.count + 1 else {
          throw DatasetError("has \(fields.count - 1) values, the header names \(names.count) attributes", file: attrURL.path, line: line)
        }
        let path = try safeRelativePath(String(fields[0]), file: attrURL.path, line: line)
        let values = try columns.map { c -> Int in
          switch fields[c + 1] {
          case "1": return 1
          case "-1", "0": return 0
          default:
            throw DatasetError("attribute '\(names[c])' value '\(fields[c + 1])' is outside its range (-1 or 1)", file: attrURL.path, line: line)
          }
        }
        guard let p = partition[String(fields[0])] else {
          throw DatasetError("image \(fields[0]) is not in \(partitionURL.lastPathComponent)", file: attrURL.path, line: line)
        }
        parts[p].append(ImageRecord(path: path, target: values[0], attributes: Array(values.dropFirst()), origin: "\(attrURL.path):\(line)"))
      } catch let error as DatasetError where badRecords == .skip {
        skipped.append(SkippedItem(file: attrURL.path, line: line, reason: error.message))
      }
    }
    let images = imageDirectory ?? root.appendingPathComponent("img_align_celeba")
    let info = DatasetInfo(name: "celeba", classNames: ["not \(target)", target],
                           attributes: protected.map { ProtectedAttribute(name: $0, values: ["not \($0)", $0]) })
    let manifest = ImageDatasetManifest(info: info, train: ImageList(root: images, records: parts[0]),
                                        test: ImageList(root: images, records: parts[2]),
                                        validation: parts[1].isEmpty ? nil : ImageList(root: images, records: parts[1]), skipped: skipped)
    try DatasetSplitter.checkNonEmpty(manifest, source: root.path)
    return manifest
  }
}
