import Foundation

extension ImageSplit {
  /// Decodes the files of `list` into memory (or reads them from the cache in
  /// `options.cacheDirectory`), labels from its records. Under `.skip` images that fail are
  /// left out and returned in `skipped`; under `.fail` the first failure throws, naming the file.
  public static func load(_ list: ImageList, attributeCount: Int, transform: BatchTransform,
                          options: ImageLoadOptions = ImageLoadOptions()) throws -> (split: ImageSplit, skipped: [SkippedItem]) {
    let decoded: ImageListDecoder.Result
    if let directory = options.cacheDirectory {
      let cache = DecodedImageCache(directory: directory)
      let key = DecodedImageCache.key(list, options: options)
      if let hit = cache.read(key: key) {
        decoded = hit
      } else {
        decoded = try ImageListDecoder.decode(list, options: options)
        try cache.write(decoded, key: key)
      }
    } else {
      decoded = try ImageListDecoder.decode(list, options: options)
    }
    let labels = try LabelTable(records: decoded.kept.map { list.records[$0] }, attributeCount: attributeCount)
    let split = try ImageSplit(store: decoded.store, storeIndices: decoded.kept, labels: labels, transform: transform)
    return (split, decoded.skipped)
  }
}

extension ImageDatasetManifest {
  /// Decodes every split into memory: train with `trainTransform`, test and validation with
  /// `evalTransform`. Throws when a split ends up empty.
  public func load(trainTransform: BatchTransform, evalTransform: BatchTransform,
                   options: ImageLoadOptions = ImageLoadOptions()) throws -> ImageDataset {
    let a = info.attributes.count
    let train = try ImageSplit.load(self.train, attributeCount: a, transform: trainTransform, options: options)
    let test = try ImageSplit.load(self.test, attributeCount: a, transform: evalTransform, options: options)
    let validation = try self.validation.map { try ImageSplit.load($0, attributeCount: a, transform: evalTransform, options: options) }
    let skipped = skipped + train.skipped + test.skipped + (validation?.skipped ?? [])
    for (name, split) in [("train", train.split), ("test", test.split), ("validation", validation?.split)] {
      if let split, split.count == 0 { throw DatasetError("the \(name) split is empty after skipping bad images", file: self.train.root.path) }
    }
    return ImageDataset(info: info, train: train.split, test: test.split, validation: validation?.split, skipped: skipped)
  }
}
