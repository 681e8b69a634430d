import Text4SegCore
import Text4SegModels
import XCTest

final class SettingsTests: XCTestCase {
    func testKeysAreSnakeCaseAndFlagsKebabCase() {
        XCTAssertEqual(SettingsKey.snakeCase("othersMargin"), "others_margin")
        XCTAssertEqual(SettingsKey.snakeCase("bilateralSXY"), "bilateral_sxy")
        XCTAssertEqual(SettingsKey.snakeCase("groundTruthProbability"), "ground_truth_probability")
        XCTAssertEqual(SettingsKey.snakeCase("_topK"), "top_k")
        XCTAssertEqual(SettingsKey.snakeCase("sigma"), "sigma")
        XCTAssertEqual(SettingsKey.snakeCase("HTTPServer2Port"), "http_server2_port")
        XCTAssertEqual(SettingsKey.kebabCase("lightnessWeight"), "lightness-weight")
        XCTAssertEqual(WatershedRefiner().keys, ["margin", "others_margin", "sigma", "color_weight", "lightness_weight"])
        XCTAssertEqual(
            DenseCRFRefiner().keys,
            [
                "iterations", "gaussian_sxy", "gaussian_compat", "bilateral_sxy", "bilateral_srgb", "bilateral_compat",
                "ground_truth_probability", "upsampling",
            ])
    }

    func testOverlayChangesOnlyTheGivenKeysAndKeepsTheOthersExact() throws {
        let base = DenseCRFRefiner.forPatchLabels
        let changed = try base.overlaid(["iterations": .number(7), "upsampling": .text("bilinear"), "bilateral_srgb": .number(4.25)])
        XCTAssertEqual(changed.iterations, 7)
        XCTAssertEqual(changed.upsampling, .bilinear)
        XCTAssertEqual(changed.bilateralSRGB, 4.25)
        // Floats survive the JSON round trip bit for bit (fingerprints compare their text).
        XCTAssertEqual(changed.groundTruthProbability.bitPattern, base.groundTruthProbability.bitPattern)
        XCTAssertEqual(changed.bilateralSXY.bitPattern, base.bilateralSXY.bitPattern)
        let watershed = try WatershedRefiner().overlaid(["margin": .number(0.1)])
        XCTAssertEqual(watershed.othersMargin.bitPattern, Float(1.6).bitPattern)
        XCTAssertEqual(watershed.colorWeight.bitPattern, Float(0.3).bitPattern)
        XCTAssertEqual(watershed.margin, 0.1)
        var embedded = try EmbeddedEngine.Settings().overlaid(["top_k": .number(3), "normalize_mass": .bool(true)])
        XCTAssertEqual(embedded.topK, 3)
        XCTAssertTrue(embedded.normalizeMass)
        embedded = try embedded.overlaid([:])
        XCTAssertEqual(embedded.topK, 3)
    }

    func testUnknownKeysWrongTypesAndRangesAreNamed() throws {
        XCTAssertThrowsError(try WatershedRefiner().overlaid(["margn": .number(1)], location: ["margn": "c.yaml:3:3"])) { error in
            XCTAssertEqual(
                "\(error)",
                "c.yaml:3:3: unknown key 'margn' in watershed. Did you mean 'margin'? Expected one of: margin, others_margin, sigma, color_weight, lightness_weight"
            )
        }
        XCTAssertThrowsError(try DenseCRFRefiner().overlaid(["iterations": .number(2.5)])) { error in
            XCTAssertEqual("\(error)", "crf.iterations: '2.5' is not a whole number")
        }
        XCTAssertThrowsError(try DenseCRFRefiner().overlaid(["iterations": .text("five")])) { error in
            XCTAssertEqual("\(error)", "crf.iterations: 'five' is not a number")
        }
        XCTAssertThrowsError(try GuidedFilterRefiner().overlaid(["upsampling": .text("cubic")])) { error in
            XCTAssertEqual("\(error)", "guided.upsampling: 'cubic' is not one of nearest, bilinear")
        }
        XCTAssertThrowsError(try EmbeddedEngine.Settings().overlaid(["normalize_mass": .number(1)])) { error in
            XCTAssertEqual("\(error)", "embedded.normalize_mass: '1' is not true or false")
        }
        XCTAssertThrowsError(try DenseCRFRefiner(groundTruthProbability: 1).validate()) { error in
            XCTAssertEqual("\(error)", "crf.ground_truth_probability: 1 is out of range (0.01–0.99)")
        }
        XCTAssertThrowsError(try ModeFilterRefiner(radius: 0).validate())
        XCTAssertThrowsError(try WatershedRefiner(margin: -1).validate())
        XCTAssertThrowsError(try EmbeddedEngine.Settings().overlaid(["input_size": .number(16)]).validate())
        // The defaults themselves are in range.
        for settings in [
            WatershedRefiner() as any SettingsSection, DenseCRFRefiner(), DenseCRFRefiner.forPatchLabels, GuidedFilterRefiner(),
            JointBilateralRefiner(), ModeFilterRefiner(), EmbeddedEngine.Settings(),
        ] {
            XCTAssertNoThrow(try settings.validate(), "\(settings)")
        }
    }

    func testScalarsAreReadAsPeopleWriteThem() {
        XCTAssertEqual(SettingValue(scalar: "0.34"), .number(0.34))
        XCTAssertEqual(SettingValue(scalar: "12"), .number(12))
        XCTAssertEqual(SettingValue(scalar: "true"), .bool(true))
        XCTAssertEqual(SettingValue(scalar: "bilinear"), .text("bilinear"))
        XCTAssertEqual(SettingValue(scalar: "nan"), .text("nan"))
        XCTAssertEqual(SettingValue.number(12).description, "12")
        XCTAssertEqual(SettingValue.number(0.5).description, "0.5")
    }
}
