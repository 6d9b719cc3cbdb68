"""Neo4j-specific behaviour of the Neo4j store, against a real server (NEO4J_URI).

The behaviour every backend shares is in tests/contract; here: connection failures, the read-only
guard on user Cypher, injection through labels and types, schema creation, search inputs.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import pytest

from graphmem.errors import GraphMemError, StoreError, StoreUnavailableError, UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.settings import Settings
from graphmem.store import open_store
from graphmem.store.base import GraphStore, WriteBatch
from graphmem.store.neo4j import Neo4jStore, schema
from graphmem.store.neo4j import statements as st
from graphmem.store.neo4j.reads import Neo4jSnapshot

pytestmark = pytest.mark.neo4j


@pytest.fixture
def backend() -> str:
    """Only the Neo4j variant of conftest's `store` fixture (it skips without NEO4J_URI)."""
    return "neo4j"


@pytest.fixture
def neo4j(store: GraphStore) -> Neo4jStore:
    assert isinstance(store, Neo4jStore)
    return store


def _credentials() -> Settings:
    return Settings.from_env()


def _open(url: str, **kwargs: Any) -> Neo4jStore:
    s = _credentials()
    return Neo4jStore(url, username=s.neo4j_username, password=s.neo4j_password, **kwargs)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _code(node_id: str, repo: str = "shop") -> Node:
    return Node(
        id=node_id,
        labels=(Label.CODE_ENTITY, Label.FUNCTION),
        properties={"name": node_id, "repo": repo, "path": "a.py", "qualified_name": node_id},
    )


def _index_names(store: GraphStore) -> set[str]:
    return {row["name"] for row in store.cypher("SHOW INDEXES YIELD name RETURN name")}


# -- opening --------------------------------------------------------------------------------


def test_unreachable_server_fails_fast_with_one_clear_line() -> None:
    url = f"bolt://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(url, Settings(neo4j_password="whatever"))
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message == f"cannot reach Neo4j at {url}: is it running? (make neo4j)"


def test_wrong_password_is_a_store_error_naming_the_variables(neo4j: Neo4jStore) -> None:
    settings = _credentials()
    with pytest.raises(StoreError) as caught:
        Neo4jStore(neo4j.url, username=settings.neo4j_username, password="not-the-password")
    assert not isinstance(caught.value, StoreUnavailableError)
    assert "NEO4J_USERNAME" in str(caught.value) and "NEO4J_PASSWORD" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_no_password_says_to_set_it(neo4j: Neo4jStore) -> None:
    with pytest.raises(StoreError) as caught:
        Neo4jStore(neo4j.url, password=None)
    assert str(caught.value) == (
        f"Neo4j at {neo4j.url} needs a password and none was given: set NEO4J_PASSWORD "
        "(and NEO4J_USERNAME if it is not neo4j)"
    )


def test_unknown_database_is_a_store_error(neo4j: Neo4jStore) -> None:
    with pytest.raises(StoreError, match="no database 'nosuchdb'.*NEO4J_DATABASE"):
        _open(neo4j.url, database="nosuchdb")


def test_lost_server_mid_run_is_unavailable_and_writes_nothing(neo4j: Neo4jStore) -> None:
    host, port = neo4j.url.removeprefix("bolt://").split(":")
    with _TcpProxy(host, int(port)) as proxy:
        through_proxy = _open(f"bolt://127.0.0.1:{proxy.port}", max_retry_seconds=1.0)
        try:
            through_proxy.write(WriteBatch(upsert_nodes=[_code("before")]))
            proxy.cut()
            started = time.monotonic()
            with pytest.raises(StoreUnavailableError, match="lost the connection|cannot reach"):
                through_proxy.write(WriteBatch(upsert_nodes=[_code("after")]))
            assert time.monotonic() - started < 15
        finally:
            through_proxy.close()
    assert set(neo4j.get_nodes(["before", "after"])) == {"before"}


# -- user cypher ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n:CodeEntity {id: 'sneaky'})",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n {id: 'a'}) SET n.name = 'changed'",
        "CREATE INDEX sneaky_index FOR (n:CodeEntity) ON (n.language)",
    ],
)
def test_cypher_refuses_writes_unless_asked(neo4j: Neo4jStore, query: str) -> None:
    neo4j.write(WriteBatch(upsert_nodes=[_code("a")]))
    before = neo4j.counts()
    with pytest.raises(UsageError, match=r"^this query writes; pass --write to allow it$"):
        neo4j.cypher(query)
    assert neo4j.counts() == before
    node = neo4j.get_node("a")
    assert node is not None and node.properties["name"] == "a"
    assert "sneaky_index" not in _index_names(neo4j)


def test_cypher_writes_when_asked(neo4j: Neo4jStore) -> None:
    neo4j.cypher("CREATE (n:CodeEntity:Function {id: $id, name: 'x'})", {"id": "w"}, write=True)
    assert neo4j.get_node("w") is not None


def test_cypher_syntax_error_is_a_usage_error_with_the_first_line(neo4j: Neo4jStore) -> None:
    with pytest.raises(UsageError, match=r"^Cypher syntax error: Invalid input 'LIMI'") as caught:
        neo4j.cypher("MATCH (n) RETURN n LIMI 3")
    assert "\n" not in str(caught.value)


def test_cypher_results_are_plain_values(neo4j: Neo4jStore) -> None:
    neo4j.write(
        WriteBatch(
            upsert_nodes=[_code("a"), _code("b")],
            upsert_edges=[Edge(type=RelType.CALLS, source="a", target="b", properties={"n": 1})],
        )
    )
    rows = neo4j.cypher(
        "MATCH p = (a {id: 'a'})-[r:CALLS]->(b) "
        "RETURN a, r, p, date('2024-05-01') AS day, [1, 2] AS numbers"
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["a"] == {
        "id": "a",
        "labels": ["CodeEntity", "Function"],
        "properties": {"name": "a", "repo": "shop", "path": "a.py", "qualified_name": "a"},
    }
    assert row["r"] == {"type": "CALLS", "source": "a", "target": "b", "properties": {"n": 1}}
    assert [item.get("id", item.get("type")) for item in row["p"]] == ["a", "CALLS", "b"]
    assert row["day"] == "2024-05-01" and row["numbers"] == [1, 2]
    # a relationship returned alone still names its endpoints by graphmem id
    alone = neo4j.cypher("MATCH ()-[r:CALLS]->() RETURN r")
    assert alone == [{"r": row["r"]}]


# -- injection ------------------------------------------------------------------------------

_HOSTILE = "Function`) DETACH DELETE n //"


def test_labels_outside_the_enum_are_refused_and_nothing_is_written(neo4j: Neo4jStore) -> None:
    neo4j.write(WriteBatch(upsert_nodes=[_code("keep")]))
    forged = Node.model_construct(id="x", labels=(Label.CODE_ENTITY, _HOSTILE), properties={})
    with pytest.raises(UsageError):
        neo4j.write(WriteBatch(upsert_nodes=[_code("y"), forged]))
    assert set(neo4j.get_nodes(["keep", "x", "y"])) == {"keep"}
    with pytest.raises(ValueError):
        st.labels(_HOSTILE)  # type: ignore[arg-type]


def test_types_outside_the_enum_are_refused_and_nothing_is_written(neo4j: Neo4jStore) -> None:
    neo4j.write(WriteBatch(upsert_nodes=[_code("a"), _code("b")]))
    forged = Edge.model_construct(
        type="CALLS]->() DETACH DELETE a //", source="a", target="b", properties={}
    )
    with pytest.raises(UsageError):
        neo4j.write(WriteBatch(upsert_nodes=[_code("c")], upsert_edges=[forged]))
    with pytest.raises(UsageError):
        neo4j.write(WriteBatch(delete_edges=[("CALLS|CONTAINS", "a", "b")]))  # type: ignore[list-item]
    assert set(neo4j.get_nodes(["a", "b", "c"])) == {"a", "b"}


def test_hostile_values_and_property_keys_are_data(neo4j: Neo4jStore) -> None:
    odd_id = "x'}) DETACH DELETE n //`"
    node = Node(
        id=odd_id,
        labels=(Label.CODE_ENTITY, Label.MODULE),
        properties={"name": "' OR 1=1 --", "weird`key": "`v`", "repo": "r"},
    )
    neo4j.write(WriteBatch(upsert_nodes=[node, _code("other")]))
    assert neo4j.get_node(odd_id) == node
    assert [n.id for n in neo4j.find_nodes(where={"weird`key": "`v`"})] == [odd_id]
    assert neo4j.find_nodes(where={"name` = 'a' OR true OR n.`x": "v"}) == []
    assert len(neo4j.find_nodes()) == 2


@pytest.mark.parametrize(
    "query",
    ["foo AND (", "' OR 1=1 --", "*", "~", '"unterminated', "a && b || !c", "text:x", "\\", "/r/",
     "NOT", "日本語 🙂", "", "   ", "[1 TO 5]", "x^2", "?"],
)  # fmt: skip
def test_fulltext_search_takes_any_text(neo4j: Neo4jStore, query: str) -> None:
    memory = Node(
        id="d-1",
        labels=(Label.MEMORY, Label.DECISION),
        properties={"text": "money AND tax in cents 日本語", "status": "active"},
    )
    neo4j.write(WriteBatch(upsert_nodes=[memory]))
    hits = neo4j.fulltext_search(query, Label.MEMORY)
    assert all(hit.node_id == "d-1" for hit in hits)


def test_fulltext_search_finds_words_whatever_the_case(neo4j: Neo4jStore) -> None:
    memory = Node(id="d-1", labels=(Label.MEMORY, Label.DECISION), properties={"text": "Cents"})
    neo4j.write(WriteBatch(upsert_nodes=[memory]))
    assert [hit.node_id for hit in neo4j.fulltext_search("CENTS", Label.MEMORY)] == ["d-1"]
    assert [hit.node_id for hit in neo4j.fulltext_search("cents", Label.DECISION)] == ["d-1"]
    assert neo4j.fulltext_search("cents", Label.FACT) == []


# -- vectors --------------------------------------------------------------------------------


def test_vector_scores_are_cosine_in_minus_one_to_one(neo4j: Neo4jStore) -> None:
    def unit(i: int, sign: float = 1.0) -> list[float]:
        vector = [0.0] * 384
        vector[i] = sign
        return vector

    memories = [
        Node(id=f"d-{i}", labels=(Label.MEMORY, Label.DECISION), properties={"embedding": v})
        for i, v in enumerate([unit(0), unit(0, -1.0), unit(1)])
    ]
    neo4j.write(WriteBatch(upsert_nodes=memories))
    hits = {hit.node_id: hit.score for hit in neo4j.vector_search(unit(0))}
    assert hits == pytest.approx({"d-0": 1.0, "d-2": 0.0, "d-1": -1.0})
    assert neo4j.vector_search(unit(0), Label.DECISION, limit=1)[0].node_id == "d-0"
    with pytest.raises(UsageError, match="3 dimensions"):
        neo4j.vector_search([1.0, 0.0, 0.0])
    stored = neo4j.get_node("d-1")
    assert stored is not None and stored.properties["embedding"] == unit(0, -1.0)


# -- schema ---------------------------------------------------------------------------------


def _drop_graphmem_schema(store: GraphStore) -> None:
    for row in store.cypher("SHOW CONSTRAINTS YIELD name RETURN name"):
        if row["name"].startswith("graphmem_"):
            store.cypher(f"DROP CONSTRAINT {st.escape_identifier(row['name'])}", write=True)
    for name in _index_names(store):
        if name.startswith("graphmem_"):
            store.cypher(f"DROP INDEX {st.escape_identifier(name)}", write=True)


def test_schema_creation_is_idempotent_and_safe_when_opened_at_once(neo4j: Neo4jStore) -> None:
    _drop_graphmem_schema(neo4j)
    assert not {name for name in _index_names(neo4j) if name.startswith("graphmem_")}

    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            _open(neo4j.url).close()
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=open_and_close) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []

    rows = neo4j.cypher(
        "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, owningConstraint RETURN *"
    )
    existing = {row["name"]: row for row in rows}
    for statement in schema.wanted(384):  # every role has an index, under whatever name
        assert schema.find_index(existing, statement) is not None, statement.name
    _open(neo4j.url).close()
    assert _index_names(neo4j) == set(existing)


def test_a_full_text_index_of_an_older_version_is_made_again_with_stemming(
    neo4j: Neo4jStore,
) -> None:
    """Made before the analyzer was set, graphmem's index matched other words than the
    embedded store's: it is dropped and made again once, with what it indexed."""
    name = schema.fulltext_index_name(Label.COMMIT)
    neo4j.cypher(f"DROP INDEX {name} IF EXISTS", write=True)
    neo4j.cypher(f"CREATE FULLTEXT INDEX {name} FOR (n:Commit) ON EACH [n.message]", write=True)
    neo4j.cypher("CALL db.awaitIndexes(60)")
    commit = Node(
        id="e-c1",
        labels=(Label.CODE_ENTITY, Label.COMMIT),
        properties={"message": "Compress responses over 1 kB", "repo": "shop"},
    )
    neo4j.write(WriteBatch(upsert_nodes=[commit]))
    store = _open(neo4j.url)
    try:
        assert [h.node_id for h in store.fulltext_search("compressing", Label.COMMIT)] == ["e-c1"]
    finally:
        store.close()
    rows = neo4j.cypher(
        "SHOW FULLTEXT INDEXES YIELD name, options WHERE name = $name "
        "RETURN options.indexConfig AS config",
        {"name": name},
    )
    assert rows[0]["config"]["fulltext.analyzer"] == schema.FULLTEXT_ANALYZER


def test_an_equivalent_index_under_another_name_is_used(neo4j: Neo4jStore) -> None:
    """`CREATE ... IF NOT EXISTS` is a no-op next to an equivalent index of another name."""
    rows = neo4j.cypher("SHOW INDEXES YIELD name, type, labelsOrTypes RETURN *")
    vector = [r["name"] for r in rows if r["type"] == "VECTOR" and r["labelsOrTypes"] == ["Memory"]]
    created_here = None
    if vector == ["graphmem_memory_embedding"]:
        neo4j.cypher("DROP INDEX graphmem_memory_embedding", write=True)
        neo4j.cypher(
            "CREATE VECTOR INDEX legacy_embedding FOR (n:Memory) ON (n.embedding) OPTIONS "
            "{indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine'}}",
            write=True,
        )
        neo4j.cypher("CALL db.awaitIndexes(60)")
        created_here = "legacy_embedding"
    try:
        store = _open(neo4j.url)
        try:
            embedding = [1.0] + [0.0] * 383
            memory = Node(
                id="d-1", labels=(Label.MEMORY, Label.DECISION), properties={"embedding": embedding}
            )
            store.write(WriteBatch(upsert_nodes=[memory]))
            assert [hit.node_id for hit in store.vector_search(embedding)] == ["d-1"]
        finally:
            store.close()
        names = _index_names(neo4j)
        assert len([n for n in names if n in (*vector, "legacy_embedding")]) == 1
    finally:
        if created_here is not None:
            neo4j.cypher(f"DROP INDEX {created_here}", write=True)
            _open(neo4j.url).close()


def test_ids_are_unique_per_base_label(neo4j: Neo4jStore) -> None:
    neo4j.write(WriteBatch(upsert_nodes=[_code("a")]))
    with pytest.raises(GraphMemError):
        neo4j.cypher("CREATE (:CodeEntity {id: 'a'})", write=True)


def test_edges_follow_nodes_changed_by_another_process(neo4j: Neo4jStore) -> None:
    """The store remembers endpoint labels; another writer must not make it write wrongly."""
    neo4j.write(WriteBatch(upsert_nodes=[_code("a"), _code("b"), _code("c")]))
    other = _open(neo4j.url)
    try:
        other.write(WriteBatch(delete_nodes=["b"]))
        event = Node(id="c", labels=(Label.EVENT,), properties={"action": "x"})
        other.write(WriteBatch(delete_nodes=["c"], upsert_nodes=[event]))
    finally:
        other.close()
    with pytest.raises(StoreError, match="do not exist: b"):
        neo4j.write(WriteBatch(upsert_edges=[Edge(type=RelType.CALLS, source="a", target="b")]))
    assert neo4j.edges(["a"]) == []
    neo4j.write(WriteBatch(upsert_edges=[Edge(type=RelType.CALLS, source="a", target="c")]))
    assert [e.target for e in neo4j.edges(["a"])] == ["c"]


def test_many_repositories_share_one_database(neo4j: Neo4jStore) -> None:
    neo4j.write(WriteBatch(upsert_nodes=[_code("a1", "alpha"), _code("b1", "beta")]))
    assert [n.id for n in neo4j.find_nodes(Label.FUNCTION, {"repo": "alpha"})] == ["a1"]
    assert [n.id for n in neo4j.find_nodes(Label.CODE_ENTITY, {"repo": "beta"})] == ["b1"]


# -- a TCP proxy whose connections can be cut, to lose the server mid-run --------------------


class _TcpProxy:
    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> _TcpProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()

    def cut(self) -> None:
        """Refuse new connections and break every open one, as a stopped server would."""
        with self._lock:
            self._cut = True
            for sock in [self._listener, *self._sockets]:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            with self._lock:
                if self._cut:
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


# -- scale out: the routing driver ---------------------------------------------------------


def _routing_url(neo4j: Neo4jStore) -> str:
    return "neo4j://" + neo4j.url.split("://", 1)[1]


def test_the_routing_driver_reads_writes_and_searches(neo4j: Neo4jStore) -> None:
    routed = _open(_routing_url(neo4j), max_connection_pool_size=4)
    try:
        routed.write(
            WriteBatch(
                upsert_nodes=[_code("r-1"), _code("r-2")],
                upsert_edges=[Edge(type=RelType.CALLS, source="r-1", target="r-2")],
            )
        )
        assert set(neo4j.get_nodes(["r-1", "r-2"])) == {"r-1", "r-2"}  # and by bolt://
        with routed.snapshot() as view:
            assert [e.target for e in view.edges(["r-1"])] == ["r-2"]
            assert [n.id for n in view.find_nodes(Label.FUNCTION, {"repo": "shop"})] == [
                "r-1",
                "r-2",
            ]
        assert routed.cypher("MATCH (n:Function) RETURN count(n) AS n") == [{"n": 2}]
    finally:
        routed.close()


def test_routed_reads_run_as_reads(neo4j: Neo4jStore) -> None:
    """Reads go out in read transactions, so a cluster may send them to any member: the
    server itself refuses a write there, through the routing driver and in a snapshot."""
    routed = _open(_routing_url(neo4j))
    try:
        with pytest.raises(UsageError, match="--write"):
            routed.cypher("CREATE (n:Function {id: 'sneaky'})")
        with routed.snapshot() as view, pytest.raises(UsageError, match="--write"):
            assert isinstance(view, Neo4jSnapshot)
            view._read("writing in a snapshot", lambda tx: tx.run("CREATE (:Function)").consume())
        assert neo4j.cypher("MATCH (n:Function) RETURN count(n) AS n") == [{"n": 0}]
    finally:
        routed.close()


def test_database_selection_through_the_routing_driver(neo4j: Neo4jStore) -> None:
    named = _open(_routing_url(neo4j), database="neo4j")
    try:
        named.write(WriteBatch(upsert_nodes=[_code("in-neo4j")]))
        assert neo4j.get_node("in-neo4j") is not None  # the server's default database is neo4j
    finally:
        named.close()
    with pytest.raises(StoreError, match="no database 'nosuchdb'"):
        _open(_routing_url(neo4j), database="nosuchdb")


@pytest.mark.parametrize("scheme", ["neo4j+s", "neo4j+ssc", "bolt+s"])
def test_tls_to_a_server_without_tls_is_one_clear_line(neo4j: Neo4jStore, scheme: str) -> None:
    url = f"{scheme}://" + neo4j.url.split("://", 1)[1]
    with pytest.raises(StoreUnavailableError) as caught:
        _open(url)
    message = str(caught.value)
    assert message.startswith(f"cannot reach Neo4j at {url} over TLS") and "\n" not in message
