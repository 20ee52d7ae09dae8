import NN
import Torch

/// Which Linear and Conv2d layers of a model carry a mask and get pruned.
///
/// By default every Conv2d (depthwise, 1x1 and downsample convolutions included) and every
/// Linear layer is prunable **except the first convolution and the last linear layer** (in
/// registration order), which stay dense as in the reference code (SPEC 4.2). `include`, when
/// set, replaces that rule by an explicit list of layer names; `exclude` then removes names
/// from whichever set was chosen. Names are the dotted module names of `namedModules()`
/// (`layer1.0.conv1`, `fc`).
///
/// ```swift
/// let scope = PruningScope(exclude: ["layer3.0.downsample.0"])
/// let layers = try prunableLayers(of: CifarResNet(depth: 20), scope: scope)
/// ```
public struct PruningScope: Codable, Equatable, Sendable {
  /// Keep the first Conv2d of the model dense (ignored when `include` is set).
  public var firstConvDense: Bool
  /// Keep the last Linear of the model dense (ignored when `include` is set).
  public var lastLinearDense: Bool
  /// When non-nil, exactly these layers are prunable (each must be a Linear or Conv2d).
  public var include: [String]?
  /// Layers never pruned, removed after `include` or the first/last rule is applied.
  public var exclude: [String]

  public init(firstConvDense: Bool = true, lastLinearDense: Bool = true, include: [String]? = nil,
              exclude: [String] = []) {
    self.firstConvDense = firstConvDense
    self.lastLinearDense = lastLinearDense
    self.include = include
    self.exclude = exclude
  }

  /// The reference scope: first convolution and last linear layer dense.
  public static let `default` = PruningScope()
  /// Every Linear and Conv2d layer.
  public static let everyLayer = PruningScope(firstConvDense: false, lastLinearDense: false)
}

/// One prunable layer and its dotted name in the model.
public struct PrunableLayer {
  public let name: String
  public let layer: any MaskableLayer

  public init(name: String, layer: any MaskableLayer) {
    self.name = name
    self.layer = layer
  }

  /// The weight tensor (shared with the layer).
  public var weight: Tensor { layer.weight }
  /// Number of output units: output channels of a Conv2d, output rows of a Linear.
  public var unitCount: Int { layer.weight.size(0) }
  /// The layer's bias, if it has one.
  public var bias: Tensor? { (layer as? Linear)?.bias ?? (layer as? Conv2d)?.bias }
}

/// The layers of `model` that `scope` makes prunable, in registration order.
///
/// Throws `SparsityError` when `scope.include` or `scope.exclude` names a module the model does
/// not have, or one that is not a Linear or Conv2d layer.
public func prunableLayers(of model: any Module, scope: PruningScope = .default) throws -> [PrunableLayer] {
  let modules = model.namedModules()
  let maskable = modules.compactMap { entry in (entry.module as? any MaskableLayer).map { PrunableLayer(name: entry.name, layer: $0) } }
  let maskableNames = Set(maskable.map(\.name))
  let moduleNames = Set(modules.map(\.name))

  func check(_ name: String, in list: String) throws {
    guard moduleNames.contains(name) else {
      let known = maskable.map(\.name)
      let shown = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", ... (\(known.count) in all)" : "")
      throw SparsityError("PruningScope.\(list): unknown layer name '\(name)' (Linear/Conv2d layers: \(shown))")
    }
    guard maskableNames.contains(name) else {
      let module = modules.first { $0.name == name }!.module
      throw SparsityError("PruningScope.\(list): layer '\(name)' is a \(type(of: module)), not a Linear or Conv2d layer")
    }
  }

  var selected: [PrunableLayer]
  if let include = scope.include {
    for name in include { try check(name, in: "include") }
    let wanted = Set(include)
    selected = maskable.filter { wanted.contains($0.name) }
  } else {
    let firstConv = scope.firstConvDense ? maskable.first { $0.layer is Conv2d }?.name : nil
    let lastLinear = scope.lastLinearDense ? maskable.last { $0.layer is Linear }?.name : nil
    selected = maskable.filter { $0.name != firstConv && $0.name != lastLinear }
  }
  for name in scope.exclude { try check(name, in: "exclude") }
  let excluded = Set(scope.exclude)
  selected.removeAll { excluded.contains($0.name) }
  return selected
}
