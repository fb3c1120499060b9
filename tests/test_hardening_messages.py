"""Issue 13, class 8: messages name the option or file, the rule and the value; a CSV with a UTF-8 byte-order
mark (as Excel writes it) is accepted; no warnings leak."""

import codecs
import json
import warnings

import numpy as np
import pytest

from convviz.app.datafiles import load_array, parse_values
from convviz.app.cli import main


@pytest.mark.parametrize("write,needles", [
    (lambda p: p.with_suffix(".json").write_text(json.dumps([[2 ** 70, 1], [1, 1]])),
     ["--input", "x.json", str(2 ** 70), "64 bits"]),
    (lambda p: p.with_suffix(".npy").write_text("not numpy at all"), ["--input", "x.npy", "not a NumPy .npy file"]),
    (lambda p: np.save(p.with_suffix(".npy"), np.array([1, "a"], dtype=object), allow_pickle=True),
     ["--input", "x.npy", "objects"]),
    (lambda p: p.with_suffix(".csv").write_text("1,2\n3,x\n"), ["--input", "x.csv", "line 2, column 2", "'x'"]),
    (lambda p: p.with_suffix(".csv").write_text("1,2\n3\n"), ["--input", "x.csv", "ragged", "line 2"]),
    (lambda p: p.with_suffix(".json").write_text("[[1, 2], [3]]"), ["--input", "x.json", "ragged", "[1]"]),
    (lambda p: p.with_suffix(".json").write_text("[[1, true]]"), ["--input", "x.json", "True"]),
    (lambda p: p.with_suffix(".json").write_text("[" * 50000 + "]" * 50000), ["--input", "x.json", "deep"]),
    (lambda p: p.with_suffix(".csv").write_bytes(b"\xff\xfe\x00garbage\x80"), ["--input", "x.csv", "UTF-8"]),
    (lambda p: p.with_suffix(".csv").write_text("1,nan\n1,1\n"), ["--input", "x.csv", "non-finite", "nan"]),
    (lambda p: p.with_suffix(".txt").write_text("1"), ["--input", "x.txt", ".npy, .json or .csv"]),
], ids=["json 2^70", "non-numpy npy", "object npy", "csv cell", "csv ragged", "json ragged", "json bool",
        "json deep", "csv binary", "csv nan", "suffix"])
def test_data_file_messages_name_file_rule_and_value(write, needles, tmp_path):
    base = tmp_path / "x"
    write(base)
    path = next(tmp_path.iterdir())
    with pytest.raises(ValueError) as e:
        load_array(path, "input")
    msg = str(e.value)
    for n in needles:
        assert n in msg, (n, msg)


@pytest.mark.parametrize("argv,needles", [
    (["--seed", "-1"], ["--seed", "-1", "non-negative"]),
    (["--seed", str(2 ** 64)], ["--seed", str(2 ** 64)]),
    (["--groups", "0"], ["--groups", "0", "at least 1"]),
    (["--in-channels", "0"], ["--in-channels", "0"]),
    (["--bias", "1e400"], ["--bias", "non-finite"]),
    (["--bias", str(10 ** 30)], ["--bias", str(10 ** 30), "64 bits"]),
    (["--fps", "0"], ["--fps", "0"]),
], ids=["seed -1", "seed 2^64", "groups 0", "in-channels 0", "bias inf", "bias 10^30", "fps 0"])
def test_option_messages_name_option_and_value(argv, needles, capsys, tmp_path):
    assert main(["render", "conv2d"] + argv + ["-o", str(tmp_path / "a.gif")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    for n in needles:
        assert n in err, (n, err)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_csv_with_a_byte_order_mark_is_accepted(encoding, tmp_path):
    p = tmp_path / "excel.csv"
    p.write_bytes("1,2,3\r\n4,5,6\r\n7,8,9\r\n".encode(encoding))
    assert p.read_bytes()[:2] in (codecs.BOM_UTF8[:2], codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    assert load_array(p).tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_csv_with_semicolons_or_tabs_is_accepted(tmp_path):
    for sep in (";", "\t"):
        p = tmp_path / "x.csv"
        p.write_text(f"1{sep}2\n3{sep}4.5\n")
        assert load_array(p).tolist() == [[1.0, 2.0], [3.0, 4.5]]


def test_float16_and_uint8_input_without_warnings(tmp_path):
    np.save(tmp_path / "h.npy", np.array([[1.5, 2], [60000, 1]], dtype=np.float16))
    np.save(tmp_path / "u.npy", np.array([[255, 0], [1, 2]], dtype=np.uint8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_array(tmp_path / "h.npy").tolist() == [[1.5, 2.0], [60000.0, 1.0]]
        assert load_array(tmp_path / "u.npy").dtype == np.int64


def test_parse_values_names_the_bad_token():
    with pytest.raises(ValueError, match="'x'"):
        parse_values("1, x")
    with pytest.raises(ValueError, match="no values"):
        parse_values(" , ")
    assert parse_values("1 2,3").tolist() == [1, 2, 3]
