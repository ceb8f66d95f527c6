/// One scalar of the document: its text after `${ENV}` substitution plus everything needed to decide
/// what it means (plain `null` is nothing, quoted `"null"` is a word) and to explain a missing variable.
package struct YAMLScalar: Sendable, Equatable {
    /// How the scalar was written; only ``plain`` scalars are implicitly typed (null, bool, numbers).
    package enum Style: Sendable, Equatable {
        case plain
        case singleQuoted
        case doubleQuoted
        case literal
        case folded
    }

    /// The text after `${VAR}` substitution; keys are never substituted.
    package var text: String
    /// The text exactly as written (after YAML unescaping), before substitution.
    package var source: String
    package var style: Style
    /// The explicit tag, resolved by libyaml (`!!str` is `tag:yaml.org,2002:str`); nil when implicit.
    package var tag: String?
    /// Names of `${VAR}` references that had no value (unset or empty) and no default; each was
    /// replaced by the empty string. A scalar with missing variables still decodes: whether that is
    /// fatal (an API key) or not is the caller's decision, made when the value is actually needed.
    package var missingVariables: [String]

    package init(
        text: String,
        source: String? = nil,
        style: Style = .plain,
        tag: String? = nil,
        missingVariables: [String] = []
    ) {
        self.text = text
        self.source = source ?? text
        self.style = style
        self.tag = tag
        self.missingVariables = missingVariables
    }
}
