import Foundation

/// The command line of `storage-read-bench`.
struct Options {
    /// The sundiald binary.
    var sundiald = ".build/release/sundiald"
    /// The influxd binary (1.6.7 from Debian's package).
    var influxd = "/usr/bin/influxd"
    /// Series written (`cpu,host=h0` … `h<series-1>`, one float field `usage`).
    var series = 1000
    /// Points per series, 1 s apart.
    var points = 1000
    /// Lines per `/write` request.
    var batch = 5000
    /// Timed reads per server.
    var runs = 5
    /// Untimed reads per server before the timed ones (page cache, lazy loading).
    var warmup = 1
    /// `[data] cache-snapshot-write-cold-duration`: how soon after the load the cache goes to TSM.
    var cold = "5s"
    /// At most this many seconds to wait after the load for an empty WAL and quiet files.
    var settle = 120.0
    /// Files unchanged this many seconds count as settled (compactions over).
    var quiet = 10.0
    /// Keep the temporary directory (and the servers' logs) after the run.
    var keep = false

    static let usage = """
        usage: storage-read-bench [--sundiald PATH] [--influxd PATH] [--series N] [--points N] [--batch N]
                                  [--runs N] [--warmup N] [--cold DURATION] [--settle S] [--quiet S] [--keep]

        Starts influxd 1.6.7 and sundiald on loopback (ports 18490-18495, inmem index, [ifql] on),
        writes the same cpu,host=hN usage=<float> points to both, waits for the WAL to empty and the
        files to stop changing, then times a full-scan storage Read (GroupAll, _measurement = 'cpu',
        whole time range) on each, alternating, and prints median time, points/s and MB/s.

          --sundiald PATH   sundiald binary (default .build/release/sundiald)
          --influxd PATH    influxd binary (default /usr/bin/influxd)
          --series N        series to write (default 1000)
          --points N        points per series, 1 s apart (default 1000)
          --batch N         lines per /write request (default 5000)
          --runs N          timed reads per server (default 5)
          --warmup N        untimed reads per server first (default 1)
          --cold DURATION   cache-snapshot-write-cold-duration for both (default 5s)
          --settle S        longest wait for the WAL to empty and compactions to stop (default 120)
          --quiet S         files unchanged this long count as settled (default 10)
          --keep            keep the temporary directory with the servers' logs
        """

    /// Parses `arguments` (without the program name); prints the usage and exits on an error.
    static func parse(_ arguments: [String]) -> Options {
        var o = Options()
        var rest = arguments[...]
        func value(_ flag: String) -> String {
            guard let v = rest.popFirst() else { fail("\(flag) needs a value") }
            return v
        }
        func int(_ flag: String, min: Int = 1) -> Int {
            let text = value(flag)
            guard let v = Int(text), v >= min else { fail("\(flag): expected an integer ≥ \(min), got '\(text)'") }
            return v
        }
        func seconds(_ flag: String) -> Double {
            let text = value(flag)
            guard let v = Double(text), v >= 0 else { fail("\(flag): expected seconds, got '\(text)'") }
            return v
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--sundiald": o.sundiald = value(flag)
            case "--influxd": o.influxd = value(flag)
            case "--series": o.series = int(flag)
            case "--points": o.points = int(flag)
            case "--batch": o.batch = int(flag)
            case "--runs": o.runs = int(flag)
            case "--warmup": o.warmup = int(flag, min: 0)
            case "--cold": o.cold = value(flag)
            case "--settle": o.settle = seconds(flag)
            case "--quiet": o.quiet = seconds(flag)
            case "--keep": o.keep = true
            case "-h", "--help":
                print(usage)
                exit(0)
            default: fail("unknown argument '\(flag)'")
            }
        }
        return o
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("storage-read-bench: \(message)\n\n\(usage)\n".utf8))
        exit(2)
    }
}
