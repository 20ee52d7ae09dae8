import Fairness
import Torch
@_exported import TestSupport
import XCTest

func ints(_ t: Tensor) throws -> [Int] { try t.toArray(Int64.self).map(Int.init) }
