// The benches parse their options with ArgumentParser (typed values, --help, errors that name
// the option) and share the timing helpers here.
@_exported import ArgumentParser
