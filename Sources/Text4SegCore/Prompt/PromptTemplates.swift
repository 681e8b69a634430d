/// The question and answer templates Text4Seg checkpoints were trained on.
///
/// Origin: `llava/eval/question_answer_list.py` in github.com/mc-lan/Text4Seg
/// (Apache-2.0). They are the model's interface and are kept verbatim; a
/// checkpoint answers reliably only when asked in this wording.
public enum PromptTemplates {
    public static let questionAll = [
        "Segment the entire image and classify each category separately.",
        "Please perform segmentation on this image and highlight all identifiable elements.",
        "Perform segmentation on this image and label all detected categories.",
        "Please identify and segment all categories present in the image.",
        "Segment the image and label all categories detected.",
        "Could you segment the image and label each identifiable category?",
        "Segment the image to identify and label all visible categories.",
        "Segment and classify all elements in the image.",
        "Identify and segment all categories visible in the image.",
        "Can you segment and label the image?",
        "Might you segment this image?",
        "Can you perform segmentation on this image?",
        "Could you please segment this image?",
    ]

    public static let questionPartial = [
        "Please segment only the [class_name] in the image.",
        "Can you segment the [class_name] in the image?",
        "Where is the [class_name] in this picture? Please respond with segmentation mask.",
        "Where is '[class_name]' in this image? Please output segmentation mask.",
        "Could you provide the segmentation mask for '[class_name]' in this image?",
        "Please segment the image and highlight '[class_name]'.",
    ]

    public static let questionCondition = [
        "Please segment the image based on the category: [class_name].",
        "Segment the image according to the specified category: [class_name].",
        "Segment the image while focusing on the category: [class_name].",
        "Please provide a segmentation map for the category: [class_name].",
        "Segment the image with emphasis on the class: [class_name].",
        "Please segment the image, focusing on the candidate category: [class_name].",
        "Could you segment the image, considering the indicated class: [class_name]?",
    ]

    /// The answer sentence ceiling engines (oracle, test servers) put before `<seg>`;
    /// it is in both ANSWER_ALL and ANSWER_CONDITION.
    public static let defaultAnswer = "Sure, the segmentation mask is:"

    /// The placeholder the templates use.
    public static let placeholder = "[class_name]"

    /// System text of the `vicuna_v1` template as Text4Seg's OVSS evaluation sets it.
    public static let vicunaSystem =
        "A chat between a curious user and an artificial intelligence assistant. You are able to understand the visual content that "
        + "the user provides, The assistant gives helpful, detailed, and polite answers to the user's questions."

    /// System text of LLaVA's standard `llava_v1` template.
    public static let llavaSystem =
        "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite "
        + "answers to the human's questions."
}
