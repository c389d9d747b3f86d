/// Keeps a statement's keyed container between rows.
final class KeyedContainerHolder<Key: CodingKey> {
    let container: KeyedDecodingContainer<Key>

    init(_ container: KeyedDecodingContainer<Key>) {
        self.container = container
    }
}
