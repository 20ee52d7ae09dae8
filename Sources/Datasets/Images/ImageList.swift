import Foundation

/// One labelled image of a dataset: where it is and what its labels are.
public struct ImageRecord: Sendable, Equatable {
  /// The path relative to the list's root, with `/` separators.
  public var path: String
  /// The class index, in 0..<numClasses.
  public var target: Int
  /// One value per protected attribute, each in 0..<cardinality.
  public var attributes: [Int]
  /// Where the record came from ("labels.csv:12"), for errors about its image.
  public var origin: String?

  public init(path: String, target: Int, attributes: [Int], origin: String? = nil) {
    self.path = path
    self.target = target
    self.attributes = attributes
    self.origin = origin
  }
}

/// A split's images as files under one root directory, not yet decoded.
public struct ImageList: Sendable, Equatable {
  /// The folder record paths are relative to.
  public var root: URL
  /// The split's images and labels.
  public var records: [ImageRecord]

  public init(root: URL, records: [ImageRecord]) {
    self.root = root
    self.records = records
  }

  public var count: Int { records.count }

  /// The absolute file of record `i`.
  public func url(at i: Int) -> URL { root.appendingPathComponent(records[i].path) }

  /// The records at `indices`, in that order.
  public func subset(_ indices: [Int]) -> ImageList {
    ImageList(root: root, records: indices.map { records[$0] })
  }

  /// Targets as int64 values.
  public var targets: [Int64] { records.map { Int64($0.target) } }

  /// Attributes as a row-major [count, A] int64 table.
  public var attributeTable: [Int64] { records.flatMap { $0.attributes.map(Int64.init) } }
}

/// A dataset of image files with its splits, as a format reader returns it.
public struct ImageDatasetManifest: Sendable {
  /// Class and protected-attribute names.
  public var info: DatasetInfo
  public var train: ImageList
  public var test: ImageList
  public var validation: ImageList?
  /// Records the reader left out, with the reason for each.
  public var skipped: [SkippedItem]

  public init(info: DatasetInfo, train: ImageList, test: ImageList, validation: ImageList? = nil,
              skipped: [SkippedItem] = []) {
    self.info = info
    self.train = train
    self.test = test
    self.validation = validation
    self.skipped = skipped
  }
}
