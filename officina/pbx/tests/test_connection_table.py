"""Stream connections per address: a fair share of the table, the idlest giving way."""

from dataclasses import dataclass

from officina.pbx.transports.base import ConnectionTable, new_connection_key


@dataclass
class IdleConnection:
    remote: tuple[str, int]
    last_activity: float
    transport: str = "TCP"
    opened_at: float = 0.0
    messages_received: int = 1
    closed: bool = False

    def __post_init__(self) -> None:
        self.key = new_connection_key(self.transport)

    def send(self, data: bytes) -> bool:
        return not self.closed

    def close(self) -> None:
        self.closed = True


def connect(table: ConnectionTable, host: str, port: int, when: float) -> IdleConnection:
    assert table.admit(host)
    connection = IdleConnection((host, port), last_activity=when)
    table.add(connection)
    return connection


def test_one_client_cannot_hold_an_address_against_its_neighbours():
    table = ConnectionTable(max_connections=100, min_per_host=4)
    # Alone, an address may hold the whole table (a reverse proxy, an office NAT).
    hoarded = [connect(table, "192.0.2.1", 1000 + n, when=n) for n in range(100)]
    assert len(table) == 100 and not any(c.closed for c in hoarded)
    # A neighbour behind the same address still gets in: the idlest hoarded one goes.
    neighbour = connect(table, "192.0.2.1", 5060, when=500.0)
    assert hoarded[0].closed and not hoarded[1].closed
    assert table.by_key(neighbour.key) is neighbour and len(table) == 100


def test_a_full_table_makes_room_from_the_address_holding_the_most():
    table = ConnectionTable(max_connections=10, min_per_host=2)
    heavy = [connect(table, "192.0.2.1", 1000 + n, when=n) for n in range(9)]
    light = connect(table, "198.51.100.7", 4000, when=0.0)
    assert len(table) == 10
    newcomer = connect(table, "203.0.113.5", 6000, when=100.0)
    assert heavy[0].closed and not light.closed
    assert table.by_key(newcomer.key) is newcomer and len(table) == 10
    # Three addresses now: each may hold a third of the table, the heavy one no more.
    assert table.share("192.0.2.1") == 3
    connect(table, "192.0.2.1", 2000, when=200.0)
    assert heavy[1].closed and table.evicted == 2
