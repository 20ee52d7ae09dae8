import Torch
@_exported import TestSupport
import XCTest

/// Base class: every Torch test runs with two intra-op threads.
class TorchTestCase: XCTestCase {
  override func setUp() {
    super.setUp()
    Torch.threadCount = 2
  }
}
