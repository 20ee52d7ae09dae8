import CTorch

extension Tensor {
  /// Whether autograd records operations on this tensor. Setting it on a non-leaf throws.
  public var requiresGrad: Bool { ct_requires_grad(handle) != 0 }

  /// Marks a leaf tensor as a variable to differentiate with respect to. Returns self.
  @discardableResult
  public func requiringGrad(_ flag: Bool = true) throws -> Tensor {
    try check(ct_set_requires_grad(handle, flag ? 1 : 0))
    return self
  }

  /// Accumulates d(self)/d(leaves) into the leaves' `grad`. A non-scalar self needs `gradient`.
  /// `retainGraph` defaults to `createGraph`, as in PyTorch.
  public func backward(gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false) throws {
    let retain = retainGraph ?? createGraph
    try check(ct_backward(handle, gradient?.handle, retain ? 1 : 0, createGraph ? 1 : 0))
  }

  /// The accumulated gradient of a leaf, or nil before any backward pass.
  public var grad: Tensor? {
    var out: ct_tensor?
    guard ct_grad(handle, &out) == 0, let out else { return nil }
    return Tensor(owning: out)
  }

  /// Replaces (or with nil, drops) the accumulated gradient; throws when `g` differs from self in
  /// size, dtype or device, as assigning `x.grad` does in PyTorch.
  public func setGrad(_ g: Tensor?) throws { try check(ct_set_grad(handle, g?.handle)) }

  /// Gradients of the sum of `outputs` with respect to `inputs` (nil for inputs not reached);
  /// with `createGraph` the result is itself differentiable (Hessian-vector products).
  /// `retainGraph` defaults to `createGraph`, as in PyTorch: differentiating the result again
  /// walks back through the forward graph, so its saved tensors must outlive the first pass.
  public static func gradients(of outputs: [Tensor], withRespectTo inputs: [Tensor], retainGraph: Bool? = nil,
                               createGraph: Bool = false) throws -> [Tensor?] {
    let retain = retainGraph ?? createGraph
    let outs: [ct_tensor?] = outputs.map { $0.handle }
    let ins: [ct_tensor?] = inputs.map { $0.handle }
    var grads = [ct_tensor?](repeating: nil, count: inputs.count)
    try withExtendedLifetime((outputs, inputs)) {
      try check(ct_autograd_grad(outs, Int64(outs.count), ins, Int64(ins.count), retain ? 1 : 0,
                                 createGraph ? 1 : 0, &grads))
    }
    return grads.map { $0.map { Tensor(owning: $0) } }
  }
}
