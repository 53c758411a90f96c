from __future__ import annotations

import pytest

from mockingbird.mcp.stdio.framing import Frame, LineFramer


def test_many_messages_in_one_chunk_come_out_as_separate_lines() -> None:
    chunk = b"".join(b'{"id":%d}\n' % i for i in range(100))
    frames = LineFramer().feed(chunk)
    assert [f.data for f in frames] == [b'{"id":%d}\n' % i for i in range(100)]
    assert all(f.complete for f in frames)


def test_a_message_split_into_single_bytes_is_reassembled_exactly() -> None:
    message = b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"\xc3\xa9"}}\n'
    framer = LineFramer()
    frames: list[Frame] = []
    for i in range(len(message)):
        frames += framer.feed(message[i : i + 1])
    assert frames == [Frame(message)]
    assert framer.pending == 0


def test_a_chunk_ending_mid_line_keeps_the_tail_for_the_next_chunk() -> None:
    framer = LineFramer()
    assert [f.data for f in framer.feed(b'{"a":1}\n{"b":')] == [b'{"a":1}\n']
    assert framer.pending == len(b'{"b":')
    assert [f.data for f in framer.feed(b'2}\n{"c":3}\n')] == [b'{"b":2}\n', b'{"c":3}\n']


def test_crlf_and_blank_lines_are_kept_byte_for_byte() -> None:
    frames = LineFramer().feed(b"a\r\n\nb\n")
    assert [f.data for f in frames] == [b"a\r\n", b"\n", b"b\n"]


def test_flush_returns_the_unterminated_tail_as_a_complete_frame() -> None:
    framer = LineFramer()
    assert framer.feed(b'{"last":true}') == []
    assert framer.flush() == [Frame(b'{"last":true}')]
    assert framer.flush() == []


def test_a_line_longer_than_max_line_is_cut_into_incomplete_pieces() -> None:
    framer = LineFramer(max_line=10)
    frames = framer.feed(b"x" * 25)
    assert frames == [Frame(b"x" * 25, complete=False)]
    frames = framer.feed(b"yy\nok\n")
    assert frames == [Frame(b"yy\n", complete=False), Frame(b"ok\n")]
    assert framer.pending == 0


def test_a_ten_megabyte_line_in_64k_chunks_is_one_frame() -> None:
    line = b'{"data":"' + b"a" * (10 * 1024 * 1024) + b'"}\n'
    framer = LineFramer()
    frames: list[Frame] = []
    for i in range(0, len(line), 65536):
        frames += framer.feed(line[i : i + 65536])
    assert len(frames) == 1 and frames[0].data == line and frames[0].complete


def test_max_line_must_be_positive() -> None:
    with pytest.raises(ValueError):
        LineFramer(max_line=0)
