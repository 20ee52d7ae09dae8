/// The pickle opcodes `PickleReader` accepts (names as in CPython's `pickletools`): those
/// `torch.save` (protocol 2) and numpy / CIFAR-style pickles use. Everything else, including
/// every opcode that could call arbitrary code (INST, OBJ, NEWOBJ, EXT*), is refused.
enum PickleOpcode: UInt8 {
  case proto = 0x80
  case frame = 0x95
  case stop = 0x2E            // .
  case mark = 0x28            // (
  case global = 0x63          // c
  case stackGlobal = 0x93
  case binput = 0x71          // q
  case longBinput = 0x72      // r
  case memoize = 0x94
  case binget = 0x68          // h
  case longBinget = 0x6A      // j
  case emptyDict = 0x7D       // }
  case emptyList = 0x5D       // ]
  case emptyTuple = 0x29      // )
  case tuple = 0x74           // t
  case tuple1 = 0x85
  case tuple2 = 0x86
  case tuple3 = 0x87
  case binint = 0x4A          // J
  case binint1 = 0x4B         // K
  case binint2 = 0x4D         // M
  case long1 = 0x8A
  case binfloat = 0x47        // G
  case none = 0x4E            // N
  case newtrue = 0x88
  case newfalse = 0x89
  case binunicode = 0x58      // X
  case shortBinunicode = 0x8C
  case binunicode8 = 0x8D
  case binstring = 0x54       // T
  case shortBinstring = 0x55  // U
  case binbytes = 0x42        // B
  case shortBinbytes = 0x43   // C
  case append = 0x61          // a
  case appends = 0x65         // e
  case setitem = 0x73         // s
  case setitems = 0x75        // u
  case binpersid = 0x51       // Q
  case reduce = 0x52          // R
  case build = 0x62           // b

  /// "REDUCE", "BINPUT", ... for error messages.
  var name: String {
    let camel = String(describing: self)
    var out = ""
    for c in camel {
      if c.isUppercase, !out.isEmpty { out += "_" }
      out += c.uppercased()
    }
    return out
  }
}
