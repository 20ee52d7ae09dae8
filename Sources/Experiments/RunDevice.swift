import Torch

/// Throws a `ConfigError` unless a run can compute on `device`: the linked libtorch must have it,
/// and a data-parallel run exchanges tensors through Gloo on the CPU, so it stays there.
func checkDevice(_ device: Device, group: ProcessGroup?) throws {
  do { try device.checkAvailable() } catch let error as TorchError { throw ConfigError(error.message) }
  if group != nil, device != .cpu {
    throw ConfigError("device = \(device): data-parallel runs exchange tensors through Gloo on the CPU; use device = cpu")
  }
}
