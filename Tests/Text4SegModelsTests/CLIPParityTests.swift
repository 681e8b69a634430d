import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

@testable import Text4SegModels

/// The CLIP port against Hugging Face transformers' own CLIP modules: a tiny random checkpoint
/// made with `save_pretrained`, and references from scripts/clip_reference.py (tokens, text and
/// image embeddings, and each dense method's per-class logits on a real image).
final class CLIPParityTests: XCTestCase {
    struct Case: Decodable {
        var method: String
        var window: Int
        var stride: Int
        var gaussianStd: Float
        var key: String
        enum CodingKeys: String, CodingKey {
            case method, window, stride, key
            case gaussianStd = "gaussian_std"
        }
    }

    struct Reference: Decodable {
        var tokens: [String: [Int32]]
        var texts: [String]
        var queries: [String]
        var imageShape: [Int]
        var cases: [Case]
        enum CodingKeys: String, CodingKey {
            case tokens, texts, queries, cases
            case imageShape = "image_shape"
        }
    }

    static let folder = TestPaths.clipTiny

    func reference() throws -> (Reference, SafetensorsFile) {
        let json = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/reference.json"))
        return (try JSONDecoder().decode(Reference.self, from: json), try SafetensorsFile(path: Self.folder + "/reference.safetensors"))
    }

    /// The fixture image as the references read it: RGB, normalized, planar.
    func pixels() throws -> (values: [Float], height: Int, width: Int) {
        let image = try ImageIO.readImage(Self.folder + "/image.png")
        return (CLIPEngine.normalized(image), image.height, image.width)
    }

    func testTokensMatchTransformersOnAwkwardStrings() throws {
        let (reference, _) = try reference()
        let tokenizer = try CLIPTokenizer(folder: Self.folder)
        XCTAssertGreaterThanOrEqual(reference.tokens.count, 14)
        for (text, ids) in reference.tokens { XCTAssertEqual(tokenizer.encode(text), ids, text.debugDescription) }
    }

    func testTokensMatchTransformersOnCLIPsFullVocabulary() throws {
        try Prerequisite.clipMerges.require()
        let json = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/full-vocabulary-tokens.json"))
        let expected = try JSONDecoder().decode([String: [Int32]].self, from: json)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", TestPaths.clipMerges]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // The file's header line, then 49152 − 256 − 2 merges (OpenAI's SimpleTokenizer takes as many).
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let merges = lines[1..<(49152 - 256 - 2 + 1)].map(String.init)
        let tokenizer = try CLIPTokenizer(merges: merges)
        XCTAssertEqual(tokenizer.vocabulary.count, 49408)
        XCTAssertEqual(tokenizer.encode("a photo of a cat."), [49406, 320, 1125, 539, 320, 2368, 269, 49407])
        for (text, ids) in expected { XCTAssertEqual(tokenizer.encode(text), ids, text.debugDescription) }
    }

    func testTextEmbeddingsMatch() throws {
        let (reference, tensors) = try reference()
        let model = try CLIPModel(folder: Self.folder)
        let tokenizer = try CLIPTokenizer(folder: Self.folder)
        let expected = try tensors.tensor("text_embeds")
        // Alone, and through the shared-prefix path (these texts share only <|startoftext|>).
        for features in [
            model.textFeatures(reference.texts.map(tokenizer.encode)),
            model.textFeatures(sharingPrefix: reference.texts.map(tokenizer.encode)),
        ] {
            XCTAssertEqual(features.count, reference.texts.count)
            for (i, feature) in features.enumerated() {
                let row = Array(expected.data[(i * 16)..<((i + 1) * 16)])
                XCTAssertLessThan(relativeError(feature, row), 1e-4, reference.texts[i])
            }
        }
    }

    /// A template filled with many names runs its shared beginning once; each text's features are
    /// those it has alone (names of one and of many tokens, one name twice, one past the context).
    func testTextsSharingAPrefixGiveTheirOwnFeatures() throws {
        let model = try CLIPModel(folder: Self.folder, attentionBlock: 3)
        let tokenizer = try CLIPTokenizer(folder: Self.folder)
        let names = ["cat", "potted plant", "tv monitor", "cat", "bus", String(repeating: "giraffe ", count: 30)]
        for template in ["a photo of a {}.", "itap of my {}.", "{}", "a {} in a video game."] {
            let prompts = names.map { tokenizer.encode(template.replacingOccurrences(of: "{}", with: $0)) }
            let alone = prompts.map { model.textFeatures([$0])[0] }
            let shared = model.textFeatures(sharingPrefix: prompts)
            XCTAssertEqual(shared.count, names.count)
            for (i, (a, b)) in zip(shared, alone).enumerated() {
                XCTAssertLessThan(relativeError(a, b), 1e-5, "\(template) with \(names[i])")
            }
        }
    }

    /// The engine's prompt ensembles, made template by template over batches of names, equal each
    /// name's 80 templates run alone, their unit features averaged and normalized.
    func testPromptEnsemblesEqualEachNameRunAlone() throws {
        let cache = NSTemporaryDirectory() + "text4seg-clip-cache-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let engine = try CLIPEngine(folder: Self.folder, cacheFolder: cache)
        let names = ["aeroplane", "potted plant", "person", "sky"]
        let ensembles = engine.ensembles(names)
        for (name, ensemble) in zip(names, ensembles) {
            var features = engine.model.textFeatures(
                ImageNetTemplates.all.map { engine.tokenizer.encode($0.replacingOccurrences(of: "{}", with: name)) }
            ).flatMap { $0 }
            let width = engine.model.projectionWidth
            Vector.normalizeRows(&features, width: width)
            var mean = [Float](repeating: 0, count: width)
            for r in 0..<ImageNetTemplates.all.count { for i in 0..<width { mean[i] += features[r * width + i] } }
            Vector.normalizeRows(&mean, width: width)
            XCTAssertLessThan(relativeError(ensemble, mean), 1e-5, name)
        }
        // The same names give the same bits whichever thread finishes first; the cached path
        // (names sorted into other batches) agrees to rounding.
        XCTAssertEqual(engine.ensembles(names), ensembles)
        for (a, b) in zip(engine.queryEmbeddings(names), ensembles) { XCTAssertLessThan(relativeError(a, b), 1e-6) }
    }

    func testImageEmbeddingMatches() throws {
        let (_, tensors) = try reference()
        let model = try CLIPModel(folder: Self.folder)
        let (values, height, width) = try pixels()
        let resized = TorchInterpolation.bilinear(values, channels: 3, height: height, width: width, toHeight: 32, width: 32)
        let feature = model.imageFeatures(resized, height: 32, width: 32)
        XCTAssertLessThan(relativeError(feature, try tensors.tensor("image_embeds").data), 1e-4)
    }

    func testDenseLogitsOfEveryMethodMatch() throws {
        try assertDenseLogitsMatch(attentionBlock: 64)
    }

    /// Attention taken a few query rows at a time (as on full-size windows, whose 785 rows go 64
    /// at a time) gives the same logits, ragged last block and causal text masks included.
    func testDenseLogitsMatchWithAttentionInSmallBlocks() throws {
        try assertDenseLogitsMatch(attentionBlock: 5)
    }

    func assertDenseLogitsMatch(attentionBlock: Int) throws {
        let (reference, tensors) = try reference()
        let model = try CLIPModel(folder: Self.folder, attentionBlock: attentionBlock)
        let tokenizer = try CLIPTokenizer(folder: Self.folder)
        var queries = model.textFeatures(reference.queries.map(tokenizer.encode))
        for i in queries.indices { Vector.normalizeRows(&queries[i], width: queries[i].count) }
        let (values, height, width) = try pixels()
        XCTAssertEqual([height, width, 3], reference.imageShape)
        XCTAssertEqual(Set(reference.cases.map(\.method)), Set(CLIPDenseMethod.allCases.map(\.rawValue)))
        for item in reference.cases {
            let method = try XCTUnwrap(CLIPDenseMethod(rawValue: item.method))
            let logits = CLIPSlidingWindow(window: item.window, stride: item.stride).logits(
                model: model, pixels: values, height: height, width: width, queries: queries, method: method,
                gaussianStd: item.gaussianStd)
            let expected = try tensors.tensor(item.key)
            XCTAssertEqual(expected.shape, [queries.count, height, width])
            XCTAssertLessThan(relativeError(logits, expected.data), 1e-4, item.key)
        }
    }

    /// A checkpoint whose tensors do not fit together is refused when it is loaded, naming the
    /// tensor, instead of trapping in the middle of a forward pass.
    func testAMisshapedCheckpointIsAnErrorNamingTheTensor() throws {
        let source = try SafetensorsFile(path: Self.folder + "/model.safetensors")
        for (name, damage) in [
            ("vision_model.encoder.layers.1.mlp.fc2.weight", { (t: Tensor) in Tensor(shape: [t.shape[1], t.shape[0]], data: t.data) }),
            ("text_projection.weight", { (t: Tensor) in Tensor(shape: [t.data.count], data: t.data) }),
            ("vision_model.post_layernorm.bias", { (t: Tensor) in Tensor(shape: [t.shape[0] - 1], data: Array(t.data.dropLast())) }),
        ] {
            let folder = NSTemporaryDirectory() + "text4seg-clip-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try FileManager.default.copyItem(atPath: Self.folder + "/config.json", toPath: folder + "/config.json")
            var tensors: [String: Tensor] = [:]
            for key in source.names { tensors[key] = try source.tensor(key) }
            tensors[name] = damage(tensors[name]!)
            try SafetensorsFile.write(tensors, to: folder + "/model.safetensors")
            XCTAssertThrowsError(try CLIPModel(folder: folder), name) { error in
                XCTAssertTrue("\(error)".contains(name), "\(error)")
            }
        }
    }

    /// The engine decides each pixel at the original size as the methods' `postprocess_result`
    /// does, after their resize (cv2's bilinear), windows and upsampling: checked against the plain
    /// computation written out here: whole logit maps, PyTorch's bilinear to the original size, then
    /// per pixel ×logit scale, softmax, each class its best name, argmax and the 0.5 threshold of
    /// ClearCLIP's VOC-21 config, under which a pixel is background.
    func testEngineDecidesEachPixelAtTheOriginalSizeAsTheMethodsDo() async throws {
        let cache = NSTemporaryDirectory() + "text4seg-clip-cache-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: cache) }
        var settings = CLIPEngine.Settings()
        (settings.shortSide, settings.window, settings.stride, settings.dataset) = (40, 32, 16, "voc21")
        settings.backgroundThreshold = 0.2
        let engine = try CLIPEngine(folder: Self.folder, cacheFolder: cache, settings: settings)
        let vocabulary = try Vocabulary.load("pascal-voc")
        let image = try ImageIO.readImage(Self.folder + "/image.png")
        let output = try await engine.describe(
            DescriptorRequest(
                itemID: "fixture", image: image, prompt: PromptBuilder(vocabulary: vocabulary, grid: 16).build(), vocabulary: vocabulary))
        let labels = try XCTUnwrap(output.labelMap), scores = try XCTUnwrap(output.scores)
        XCTAssertEqual([labels.width, labels.height], [image.width, image.height])

        let recipe = try engine.recipe(for: vocabulary)
        XCTAssertEqual(recipe.labels.count, 21)
        let size = CLIPEngine.resizedSize(width: image.width, height: image.height, shortSide: 40)
        let (h, w, q) = (size.height, size.width, recipe.names.count)
        let resized = CLIPSlidingWindow(window: 32, stride: 16, pad: true).logits(
            model: engine.model, pixels: CLIPEngine.normalized(Resampling.cv2Linear(image, width: w, height: h)), height: h, width: w,
            queries: engine.queryEmbeddings(recipe.names), method: .clearclip, gaussianStd: 5)
        let (H, W) = (image.height, image.width)
        let logits = TorchInterpolation.bilinear(resized, channels: q, height: h, width: w, toHeight: H, width: W)
        var agree = 0
        var sums = [[Float]](repeating: [Float](repeating: 0, count: scores[0]!.count), count: 21)
        var counts = [Float](repeating: 0, count: scores[0]!.count)
        let grid = try XCTUnwrap(output.grid)
        for y in 0..<H {
            for x in 0..<W {
                let values = (0..<q).map { 50 * logits[$0 * H * W + y * W + x] }
                let top = values.max()!
                let total = values.reduce(0) { $0 + exp($1 - top) }
                var best = [Float](repeating: 0, count: 21)
                for (k, slot) in recipe.slots.enumerated() { best[slot] = max(best[slot], exp(values[k] - top) / total) }
                let winner = best.indices.max { best[$0] < best[$1] || (best[$0] == best[$1] && $0 > $1) }!
                let label = best[winner] < 0.2 ? 0 : recipe.labels[winner]
                if labels.values[y * W + x] == label { agree += 1 }
                let cell = (y * grid.rows / H) * grid.cols + x * grid.cols / W
                for c in 0..<21 { sums[c][cell] += best[c] }
                counts[cell] += 1
            }
        }
        XCTAssertGreaterThanOrEqual(Double(agree) / Double(H * W), 0.999)
        XCTAssertGreaterThan(Set(labels.values).count, 2, "a fixture deciding one class everywhere would show nothing")
        for c in 0..<21 {
            let average = zip(sums[c], counts).map { $0 / $1 }
            XCTAssertLessThan(relativeError(try XCTUnwrap(scores[Int(recipe.labels[c])]), average), 1e-5, "class line \(c)")
        }
    }

    /// As the methods' code: position embeddings are interpolated only when the token count
    /// differs, so a 2 × 8 grid of a 4 × 4 model takes the pretrained ones in order.
    func testPositionEmbeddingsAreInterpolatedOnlyWhenTheTokenCountDiffers() throws {
        let model = try CLIPModel(folder: Self.folder)
        XCTAssertEqual(model.imageSize / model.patchSize, 4)
        XCTAssertEqual(model.positionEmbeddings(rows: 2, cols: 8), model.visionPositions.data)
        XCTAssertEqual(model.positionEmbeddings(rows: 8, cols: 2), model.visionPositions.data)
        XCTAssertNotEqual(model.positionEmbeddings(rows: 3, cols: 8).count, model.visionPositions.data.count)
    }

    /// ClearCLIP's `compute_padsize`: the smaller half first.
    func testWindowPaddingIsClearCLIPs() {
        XCTAssertTrue(CLIPSlidingWindow.padding(height: 341, width: 448, patch: 16) == (0, 0, 5, 6))
        XCTAssertTrue(CLIPSlidingWindow.padding(height: 17, width: 31, patch: 16) == (0, 1, 7, 8))
        XCTAssertTrue(CLIPSlidingWindow.padding(height: 32, width: 32, patch: 16) == (0, 0, 0, 0))
        XCTAssertEqual(CLIPSlidingWindow(window: 0, stride: 0).windows(height: 37, width: 50).count, 1)
    }

    func testTheMethodsDiffer() throws {
        // A parity test that passed for a method by accident of the fixture would show here.
        let (_, tensors) = try reference()
        let a = try tensors.tensor("clearclip_32_16").data, b = try tensors.tensor("sclip_32_16").data
        let c = try tensors.tensor("naclip_32_16").data
        XCTAssertGreaterThan(relativeError(a, b), 0.01)
        XCTAssertGreaterThan(relativeError(a, c), 0.01)
        XCTAssertGreaterThan(relativeError(b, c), 0.01)
    }

    func testWindowsCoverTheImageAndShiftTheLastBack() {
        let windows = CLIPSlidingWindow(window: 224, stride: 112).windows(height: 336, width: 500)
        XCTAssertEqual(windows.map(\.y).uniqued(), [0, 112])
        XCTAssertEqual(windows.map(\.x).uniqued(), [0, 112, 224, 276])
        XCTAssertTrue(windows.allSatisfy { $0.height == 224 && $0.width == 224 })
        let small = CLIPSlidingWindow(window: 224, stride: 112).windows(height: 100, width: 150)
        XCTAssertEqual(small.count, 1)
        XCTAssertEqual(small[0].height, 100)
    }
}

extension Array where Element: Hashable {
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
