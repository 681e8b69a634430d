import ArgumentParser
import Text4SegCore

struct PromptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompt",
        abstract: "Print the question Text4Seg checkpoints expect, as text, OpenAI messages or a raw conversation.")

    enum Task: String, ExpressibleByArgument, CaseIterable {
        case condition, all, partial
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case question, openai
        case vicunaV1 = "vicuna_v1"
        case llavaV1 = "llava_v1"
    }

    @OptionGroup var vocabulary: VocabularyChoice

    @Option(help: "condition (open-vocabulary, default), all (whole image) or partial (referring).")
    var task: Task = .condition

    @Option(help: "The referring expression, for --task partial.")
    var expression: String?

    @Option(help: "Draw the template with this seed instead of using the first one.")
    var templateSeed: UInt64?

    @Option(help: "question, openai, vicuna_v1 or llava_v1.")
    var format: Format = .question

    func run() throws {
        let builder = PromptBuilder(vocabulary: try vocabulary.load(), templateSeed: templateSeed)
        let prompt: Prompt
        switch task {
        case .condition: prompt = builder.build(.condition)
        case .all: prompt = builder.build(.all)
        case .partial:
            guard let expression, !expression.isEmpty else { throw ValidationError("--task partial needs --expression") }
            prompt = builder.build(.partial(expression))
        }
        switch format {
        case .question: print(prompt.question)
        case .openai: print(try prompt.chatMessagesJSON(imageURL: "data:image/png;base64,…"))
        case .vicunaV1: print(prompt.conversation(.vicunaV1))
        case .llavaV1: print(prompt.conversation(.llavaV1))
        }
    }
}
