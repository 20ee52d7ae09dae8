import Foundation

/// The UTKFace aligned-and-cropped faces: a directory of `[age]_[gender]_[race]_[datetime].jpg.chip.jpg`.
///
/// Files are the names ending in `.jpg`, sorted by their UTF-8 bytes (Python's `sorted(glob)`);
/// the three known files without a race field are removed (SPEC.md 7.1); any other name that does
/// not parse is counted in the report and left out, never fatal. There is no official split:
/// `SplitOptions` (default: NumPy permutation with seed 1357, first 20% test) makes one, which
/// reproduces the reference code's split given the same files.
///
/// ```swift
/// let utk = UTKFace(root: URL(fileURLWithPath: "data/UTKFace"), target: .race, protected: [.race, .gender])
/// let (manifest, report) = try utk.read()
/// ```
public struct UTKFace: Sendable {
  /// A label that can be the target or a protected attribute.
  public enum Attribute: String, Sendable, CaseIterable, Codable {
    case race, gender, age
  }

  /// Names whose race field is missing in the public release; removed before splitting.
  public static let knownDefects = [
    "61_1_20170109150557335.jpg.chip.jpg", "61_1_20170109142408075.jpg.chip.jpg", "39_1_20170116174525125.jpg.chip.jpg",
  ]
  /// Race names in label order (SPEC.md 7.1).
  public static let raceNames = ["White", "Black", "Asian", "Indian", "Others"]
  /// Gender names in label order.
  public static let genderNames = ["Male", "Female"]
  /// Age bucket edges of the reference code: bucket = number of edges <= age.
  public static let defaultAgeBuckets = [10, 15, 20, 25, 30, 40, 50, 60]

  /// The folder of images.
  public var root: URL
  /// The label predicted.
  public var target: Attribute
  /// Protected attributes, in column order.
  public var protected: [Attribute]
  /// Edges of the age buckets (strictly increasing).
  public var ageBuckets: [Int]
  /// The seeded 80/20 split and optional validation hold-out.
  public var split: SplitOptions

  public init(root: URL, target: Attribute = .race, protected: [Attribute] = [.race],
              ageBuckets: [Int] = UTKFace.defaultAgeBuckets, split: SplitOptions = SplitOptions()) {
    self.root = root
    self.target = target
    self.protected = protected
    self.ageBuckets = ageBuckets
    self.split = split
  }

  /// What `read()` found in the directory.
  public struct Report: Sendable, Equatable {
    /// Files whose name ends in `.jpg`.
    public var imageFiles: Int
    /// Other directory entries, not read.
    public var otherFiles: Int
    /// Which of `UTKFace.knownDefects` were present and removed.
    public var knownDefectsRemoved: [String]
    /// Other names that did not parse, with the reason.
    public var malformed: [SkippedItem]
    /// Images kept, per race / gender label value.
    public var raceCounts: [Int]
    /// Images kept per gender label value.
    public var genderCounts: [Int]
    /// Youngest and oldest age kept.
    public var ageRange: ClosedRange<Int>?

    /// Images kept.
    public var kept: Int { raceCounts.reduce(0, +) }
  }

  /// The labels of every parseable file, in sorted order, and the report.
  public func scan() throws -> (files: [(name: String, labels: UTKFaceLabels)], report: Report) {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: root.path)
    } catch {
      let exists = FileManager.default.fileExists(atPath: root.path)
      throw DatasetError(exists ? "cannot list the directory: \(error.localizedDescription)" : "no such directory", file: root.path)
    }
    let images = names.filter { $0.hasSuffix(".jpg") }.map { ($0, Array($0.utf8)) }
      .sorted { $0.1.lexicographicallyPrecedes($1.1) }.map(\.0)
    var report = Report(imageFiles: images.count, otherFiles: names.count - images.count, knownDefectsRemoved: [],
                        malformed: [], raceCounts: [Int](repeating: 0, count: 5), genderCounts: [0, 0], ageRange: nil)
    let defects = Set(Self.knownDefects)
    var files: [(name: String, labels: UTKFaceLabels)] = []
    files.reserveCapacity(images.count)
    for name in images {
      if defects.contains(name) {
        report.knownDefectsRemoved.append(name)
        continue
      }
      do {
        let labels = try UTKFaceLabels.parse(fileName: name)
        files.append((name, labels))
        report.raceCounts[labels.race] += 1
        report.genderCounts[labels.gender] += 1
        let low = min(report.ageRange?.lowerBound ?? labels.age, labels.age)
        let high = max(report.ageRange?.upperBound ?? labels.age, labels.age)
        report.ageRange = low...high
      } catch let error as DatasetError {
        report.malformed.append(SkippedItem(file: root.appendingPathComponent(name).path, reason: error.message))
      }
    }
    return (files, report)
  }

  /// Bucket index of `age`: the number of `ageBuckets` edges at or below it (NumPy's
  /// `digitize(age, buckets, right=False)`).
  public func ageBucket(_ age: Int) -> Int { ageBuckets.filter { $0 <= age }.count }

  /// The dataset description for the chosen target and protected attributes.
  public var info: DatasetInfo {
    DatasetInfo(name: "utkface", classNames: values(of: target), attributes: protected.map {
      ProtectedAttribute(name: $0.rawValue, values: values(of: $0))
    })
  }

  /// Scans, labels and splits the directory.
  public func read() throws -> (manifest: ImageDatasetManifest, report: Report) {
    guard ageBuckets == ageBuckets.sorted(), Set(ageBuckets).count == ageBuckets.count else {
      throw DatasetError("age bucket edges \(ageBuckets) must be strictly increasing")
    }
    let (files, report) = try scan()
    let records = files.map { file in
      ImageRecord(path: file.name, target: value(of: target, file.labels),
                  attributes: protected.map { value(of: $0, file.labels) }, origin: root.appendingPathComponent(file.name).path)
    }
    let all = ImageList(root: root, records: records)
    let (train, test, validation) = try DatasetSplitter.split(all, options: split, source: root.path)
    let manifest = ImageDatasetManifest(info: info, train: train, test: test, validation: validation, skipped: report.malformed)
    try DatasetSplitter.checkNonEmpty(manifest, source: root.path)
    return (manifest, report)
  }

  private func value(of attribute: Attribute, _ labels: UTKFaceLabels) -> Int {
    switch attribute {
    case .race: return labels.race
    case .gender: return labels.gender
    case .age: return ageBucket(labels.age)
    }
  }

  private func values(of attribute: Attribute) -> [String] {
    switch attribute {
    case .race: return Self.raceNames
    case .gender: return Self.genderNames
    case .age:
      let edges = ageBuckets
      guard !edges.isEmpty else { return ["all"] }
      var names = ["<\(edges[0])"]
      for i in 1..<edges.count { names.append("\(edges[i - 1])-\(edges[i] - 1)") }
      names.append(">=\(edges[edges.count - 1])")
      return names
    }
  }
}
