import Torch

/// A neural-network building block with PyTorch-compatible parameter names.
///
/// Conformers list their own parameters and buffers and their direct children in PyTorch's
/// registration order, so `stateDict()` keys (`layer1.0.conv1.weight`) and their order match
/// `torch.nn.Module.state_dict()` for the same architecture.
public protocol Module: AnyObject {
  /// Direct sub-modules with their attribute names.
  var children: [(name: String, module: any Module)] { get }
  /// Parameters owned by this module itself (not by its children).
  var ownParameters: [(name: String, tensor: Tensor)] { get }
  /// Non-trainable state owned by this module itself (running statistics, masks).
  var ownBuffers: [(name: String, tensor: Tensor)] { get }
  /// Training mode (dropout active, batch statistics in BatchNorm) or evaluation mode.
  var isTraining: Bool { get set }
  /// The forward pass.
  func callAsFunction(_ input: Tensor) throws -> Tensor
}

extension Module {
  public var children: [(name: String, module: any Module)] { [] }
  public var ownParameters: [(name: String, tensor: Tensor)] { [] }
  public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

  /// Every module of the tree with its dotted name ("" for self), parents before children.
  public func namedModules(prefix: String = "") -> [(name: String, module: any Module)] {
    var result: [(name: String, module: any Module)] = [(prefix, self)]
    for (name, child) in children {
      result += child.namedModules(prefix: prefix.isEmpty ? name : "\(prefix).\(name)")
    }
    return result
  }

  /// All parameters of the tree with dotted names, in PyTorch's order.
  public func namedParameters() -> [(name: String, tensor: Tensor)] {
    namedModules().flatMap { entry in
      entry.module.ownParameters.map { (entry.name.isEmpty ? $0.name : "\(entry.name).\($0.name)", $0.tensor) }
    }
  }

  public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

  /// All buffers of the tree with dotted names.
  public func namedBuffers() -> [(name: String, tensor: Tensor)] {
    namedModules().flatMap { entry in
      entry.module.ownBuffers.map { (entry.name.isEmpty ? $0.name : "\(entry.name).\($0.name)", $0.tensor) }
    }
  }

  /// Parameters and buffers in `torch.nn.Module.state_dict()` order: each module's parameters,
  /// then its buffers, then its children.
  public func stateDict() -> [(name: String, tensor: Tensor)] {
    var result: [(name: String, tensor: Tensor)] = []
    for (prefix, module) in namedModules() {
      let join = { (n: String) in prefix.isEmpty ? n : "\(prefix).\(n)" }
      result += module.ownParameters.map { (join($0.name), $0.tensor) }
      result += module.ownBuffers.map { (join($0.name), $0.tensor) }
    }
    return result
  }

  /// Where the parameters live (the CPU for a model without any): its batches run there.
  public var device: Device { parameters().first?.device ?? .cpu }

  /// Number of scalar parameters (as `sum(p.numel() for p in model.parameters())`).
  public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

  /// Sets training or evaluation mode on the whole tree.
  public func train(_ on: Bool = true) {
    for (_, module) in namedModules() { module.isTraining = on }
  }
  public func eval() { train(false) }

  /// Converts every floating-point parameter and buffer to `dtype` and every tensor to `device`,
  /// in place (as `torch.nn.Module.to`); integer buffers keep their dtype.
  public func to(_ dtype: DType? = nil, device: Device? = nil) throws {
    try Torch.withNoGrad {
      for (_, tensor) in stateDict() {
        let target = tensor.dtype.isFloatingPoint ? (dtype ?? tensor.dtype) : tensor.dtype
        if target == tensor.dtype && (device ?? tensor.device) == tensor.device { continue }
        try tensor.setData_(try tensor.to(target, device: device ?? tensor.device))
      }
    }
  }

  /// Lays every 4-D parameter and buffer (convolution weights, masks) out channels-last, in place
  /// (as `model.to(memory_format=torch.channels_last)`); feed it channels-last inputs.
  public func toChannelsLast() throws {
    try Torch.withNoGrad {
      for (_, tensor) in stateDict() where tensor.rank == 4 && !tensor.isChannelsLast {
        try tensor.setData_(try tensor.channelsLastContiguous())
      }
    }
  }

  /// Copies `state` into this model's parameters and buffers (in place, converting dtypes).
  ///
  /// Throws `StateDictError` listing missing, unexpected and mis-shaped keys before anything
  /// is written, so a failed load leaves the model unchanged. With `strict: false` missing and
  /// unexpected keys are ignored (mis-shaped keys still throw).
  public func loadStateDict(_ state: [(name: String, tensor: Tensor)], strict: Bool = true) throws {
    let own = stateDict()
    var incoming: [String: Tensor] = [:]
    for (name, tensor) in state { incoming[name] = tensor }
    let ownNames = Set(own.map(\.name))
    let missing = own.map(\.name).filter { incoming[$0] == nil }
    let unexpected = state.map(\.name).filter { !ownNames.contains($0) }
    var misShaped: [String] = []
    for (name, tensor) in own {
      if let t = incoming[name], t.shape != tensor.shape {
        misShaped.append("\(name): checkpoint \(t.shape), model \(tensor.shape)")
      }
    }
    if !misShaped.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
      throw StateDictError(missing: strict ? missing : [], unexpected: strict ? unexpected : [], misShaped: misShaped)
    }
    try Torch.withNoGrad {
      for (name, tensor) in own {
        if let t = incoming[name] { try tensor.copy_(t) }
      }
    }
  }
}

extension Tensor {
  /// This 4-D input laid out channels-last when `weight` is (a model after `toChannelsLast()`),
  /// so that the whole network runs in that layout; otherwise the input itself.
  public func matchingLayout(of weight: Tensor) throws -> Tensor {
    rank == 4 && weight.isChannelsLast ? try channelsLastContiguous() : self
  }
}

/// A state dict that does not fit a model; lists every offending key.
public struct StateDictError: Error, CustomStringConvertible, Equatable {
  public let missing: [String]
  public let unexpected: [String]
  public let misShaped: [String]
  public var description: String {
    var parts: [String] = []
    if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
    if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
    if !misShaped.isEmpty { parts.append("mis-shaped keys: \(misShaped.joined(separator: "; "))") }
    return "state dict does not match the model: " + parts.joined(separator: "; ")
  }
}
