import Torch

/// Gradients and Hessian-vector products of a scalar loss over a list of parameters (double
/// backward), with the two curvature summaries Tran et al. (2022) relate to disparate impact:
/// the top Hessian eigenvalue (power iteration) and the Hessian trace (Hutchinson).
public struct Curvature {
  public let parameters: [Tensor]
  /// Builds the loss afresh, with its graph, at the parameters' current values.
  public let loss: () throws -> Tensor

  public init(parameters: [Tensor], loss: @escaping () throws -> Tensor) {
    self.parameters = parameters
    self.loss = loss
  }

  /// ∇L, one tensor per parameter (zeros where the loss does not reach).
  public func gradient() throws -> [Tensor] {
    let l = try loss()
    return try filled(Tensor.gradients(of: [l], withRespectTo: parameters))
  }

  /// H v = ∇(∇L · v), one tensor per parameter.
  public func hessianVectorProduct(_ v: [Tensor]) throws -> [Tensor] {
    let l = try loss()
    let g = try Tensor.gradients(of: [l], withRespectTo: parameters, createGraph: true)
    var dot: Tensor?
    for (gi, vi) in zip(g, v) {
      guard let gi else { continue }
      let term = try (gi * vi).sum()
      dot = try dot.map { try $0 + term } ?? term
    }
    guard let dot else { return try parameters.map { try Tensor.zeros($0.shape, dtype: $0.dtype) } }
    return try filled(Tensor.gradients(of: [dot], withRespectTo: parameters))
  }

  /// The eigenvalue of largest magnitude by power iteration from a seeded random unit vector: the
  /// Rayleigh quotient vᵀHv after `iterations` steps.
  public func topEigenvalue(iterations: Int = 20, seed: UInt64 = 0) throws -> Double {
    Torch.manualSeed(seed)
    var v = try Self.normalized(parameters.map { p in let t = try Tensor.zeros(p.shape, dtype: p.dtype); try t.normal_(); return t })
    var eigenvalue = 0.0
    for _ in 0..<max(1, iterations) {
      let w = try hessianVectorProduct(v)
      eigenvalue = try Self.dot(v, w)
      guard try Self.norm(w) > 0 else { return 0 }
      v = try Self.normalized(w)
    }
    return eigenvalue
  }

  /// Hutchinson's estimate of tr(H): the mean of zᵀHz over `probes` seeded Rademacher vectors.
  public func traceEstimate(probes: Int = 32, seed: UInt64 = 0) throws -> Double {
    Torch.manualSeed(seed)
    var sum = 0.0
    for _ in 0..<max(1, probes) {
      let z = try parameters.map { p in try (Tensor.randint(high: 2, shape: p.shape).to(p.dtype) * 2 - 1) }
      sum += try Self.dot(z, try hessianVectorProduct(z))
    }
    return sum / Double(max(1, probes))
  }

  func filled(_ grads: [Tensor?]) throws -> [Tensor] {
    try zip(grads, parameters).map { g, p in try g ?? Tensor.zeros(p.shape, dtype: p.dtype) }
  }

  static func dot(_ a: [Tensor], _ b: [Tensor]) throws -> Double {
    try zip(a, b).reduce(0) { $0 + (try ($1.0.to(.float64) * $1.1.to(.float64)).sum().item()) }
  }

  static func norm(_ a: [Tensor]) throws -> Double { try dot(a, a).squareRoot() }

  static func normalized(_ a: [Tensor]) throws -> [Tensor] {
    let n = try norm(a)
    return try a.map { try $0 * (1 / n) }
  }
}
