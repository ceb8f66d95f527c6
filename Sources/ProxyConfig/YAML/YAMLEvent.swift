/// A libyaml parse event translated to Swift, so the tree builder never sees a C type.
enum YAMLEvent {
    struct Properties {
        var mark: YAMLMark
        var anchor: String?
        var tag: String?
    }

    case streamStart
    case streamEnd
    case documentStart(YAMLMark)
    case documentEnd
    case scalar(Properties, text: String, style: YAMLScalar.Style)
    case sequenceStart(Properties)
    case sequenceEnd
    case mappingStart(Properties)
    case mappingEnd
    case alias(YAMLMark, anchor: String)
}
