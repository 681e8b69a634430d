import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

/// Pickles of plain data read as Python reads them; pickles that would run code, lie about
/// lengths or hold themselves refused with a message.
final class RestrictedPickleTests: XCTestCase {
    /// A value as JSON would hold it (bytes as Latin-1 text, tuples as lists).
    func plain(_ value: RestrictedPickle.Value) -> Any {
        switch value {
        case .none: return NSNull()
        case let .bool(b): return b
        case let .int(i): return i
        case let .float(f): return f
        case .string, .bytes: return value.text!
        case let .list(items), let .tuple(items): return items.map(plain)
        case let .dict(entries): return Dictionary(entries.map { ($0.0.text ?? "\($0.0)", plain($0.1)) }, uniquingKeysWith: { _, b in b })
        }
    }

    func testRefsLikeDataInEveryProtocolReadsAsPythonHasIt() throws {
        try Prerequisite.python.require()
        let folder = try CLI.temporaryFolder()
        // Refs as refer.py has them: dicts of ids, splits, sentences (some shared, some Python 2 byte strings).
        let script = """
            import pickle, json, sys
            s = {'sent': 'the man in red', 'raw': 'The man in red.', 'tokens': ['the', 'man', 'in', 'red'], 'sent_id': 7}
            refs = [{'ref_id': i, 'ann_id': 1000 + i, 'image_id': 9, 'split': 'testA' if i % 2 else 'val', 'category_id': 1,
                     'file_name': 'COCO_train2014_000000000009_%d.jpg' % (1000 + i), 'sentences': [s, dict(s, sent_id=i)],
                     'sent_ids': [7, i], 'bbox': (1.5, -2.25, 3e9, 4), 'big': 2**40, 'neg': -3, 'none': None, 'flag': True}
                    for i in range(300)]
            refs.append({'u': 'café ☕'})
            json.dump(refs, open(sys.argv[1] + '/refs.json', 'w'), default=lambda b: b.decode('latin1'))
            for p in range(0, 6):
                open(sys.argv[1] + '/refs.%d.p' % p, 'wb').write(pickle.dumps(refs, protocol=p))
            """
        let run = try CLI.python(script, [folder])
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/refs.json")))
        for version in 0...5 {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/refs.\(version).p"))
            let value = try RestrictedPickle.load(data, file: "refs.\(version).p")
            let got = try JSONSerialization.data(withJSONObject: plain(value), options: .sortedKeys)
            let want = try JSONSerialization.data(withJSONObject: expected, options: .sortedKeys)
            let (a, b) = (String(decoding: got, as: UTF8.self), String(decoding: want, as: UTF8.self))
            let same = a.commonPrefix(with: b).count
            XCTAssertEqual(
                a, b, "protocol \(version) differs at \(same): \(a.dropFirst(same).prefix(80)) vs \(b.dropFirst(same).prefix(80))")
            XCTAssertEqual(value.items?.first?["sentences"]?.items?.first?["sent"]?.text, "the man in red")
        }
        // Python 2 wrote str as SHORT_BINSTRING (Python 3 reads it with encoding="latin1"): {'split': 'val', 'sent': 'caf\xe9'}.
        let python2 =
            Data([0x80, 0x02, 0x7D, 0x71, 0x00, 0x28, 0x55, 0x05]) + Data("split".utf8) + Data([0x55, 0x03]) + Data("val".utf8)
            + Data([0x55, 0x04]) + Data("sent".utf8) + Data([0x55, 0x04, 0x63, 0x61, 0x66, 0xE9, 0x75, 0x2E])
        let value = try RestrictedPickle.load(python2, file: "py2.p")
        XCTAssertEqual(value["split"]?.text, "val")
        XCTAssertEqual(value["sent"]?.text, "café")
    }

    func testHostilePicklesAreRefusedWithAReason() throws {
        try Prerequisite.python.require()
        let folder = try CLI.temporaryFolder()
        let script = """
            import pickle, os, sys, collections
            d = sys.argv[1]
            open(d + '/global.p', 'wb').write(pickle.dumps(os.system, protocol=2))
            class R:
                def __reduce__(self): return (os.system, ('echo pwned',))
            open(d + '/reduce.p', 'wb').write(pickle.dumps([R()], protocol=2))
            open(d + '/ordered.p', 'wb').write(pickle.dumps(collections.OrderedDict(a=1), protocol=4))
            l = []; l.append(l)
            open(d + '/recursive.p', 'wb').write(pickle.dumps(l, protocol=2))
            x = []
            for _ in range(200): x = [x]
            open(d + '/deep.p', 'wb').write(pickle.dumps(x, protocol=2))
            a = [1]
            for _ in range(40): a = [a, a]
            open(d + '/expanding.p', 'wb').write(pickle.dumps(a, protocol=2))
            # 50000 tuples, each the only item of the next: refused, and released without recursing 50000 deep.
            open(d + '/chain.p', 'wb').write(b'\\x80\\x02)' + b'\\x85' * 50000 + b'.')
            # BINUNICODE declaring 2**31 bytes, then the pickle ends.
            open(d + '/length.p', 'wb').write(b'\\x80\\x02X\\x00\\x00\\x00\\x80abc.')
            open(d + '/truncated.p', 'wb').write(pickle.dumps(['a', 'b'], protocol=2)[:-3])
            """
        XCTAssertEqual(try CLI.python(script, [folder]).status, 0)
        let reasons = [
            "global": "imports posix.system", "reduce": "imports posix.system", "ordered": "GLOBAL", "recursive": "holds itself",
            "deep": "nested more than", "chain": "nested more than", "expanding": "expands to more than", "length": "more than the",
            "truncated": "ends early",
        ]
        for (name, reason) in reasons {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/\(name).p"))
            XCTAssertThrowsError(try RestrictedPickle.load(data, file: "\(name).p"), name) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(name): \(error)")
                XCTAssertTrue("\(error)".hasPrefix("\(name).p: refused pickle at byte "), "\(error)")
            }
        }
    }
}
