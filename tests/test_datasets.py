"""skdense.datasets: the bundled Auto MPG data, MNIST read from disk, scikit-learn's sets."""

import gzip
import socket
import struct

import numpy as np
import pandas as pd
import pytest
import sklearn.datasets

from skdense import datasets
from skdense.datasets import load_auto_mpg, load_mnist

AUTO_FEATURES = [
    "cylinders",
    "displacement",
    "horsepower",
    "weight",
    "acceleration",
    "model_year",
    "origin",
]


# --- Auto MPG ----------------------------------------------------------------------------------


def test_auto_mpg_arrays():
    auto = load_auto_mpg()
    assert auto.data.shape == (392, 7) and auto.data.dtype == np.float64
    assert auto.target.shape == (392,) and auto.target.dtype == np.float64
    assert auto.feature_names == AUTO_FEATURES
    assert auto.target_names == ["mpg"]
    assert auto.frame is None
    # The first car of the file: an 18 mpg, 8-cylinder 1970 chevrolet chevelle malibu from USA.
    assert auto.target[0] == 18.0
    np.testing.assert_array_equal(auto.data[0], [8, 307, 130, 3504, 12, 70, 1])
    assert auto.car_name[0] == "chevrolet chevelle malibu" and auto.car_name.shape == (392,)
    assert set(np.unique(auto.data[:, 6])) == {1.0, 2.0, 3.0}
    assert not np.isnan(auto.data).any()


def test_auto_mpg_as_frame_has_a_categorical_origin():
    auto = load_auto_mpg(as_frame=True)
    arrays = load_auto_mpg()
    assert isinstance(auto.data, pd.DataFrame) and list(auto.data.columns) == AUTO_FEATURES
    assert isinstance(auto.target, pd.Series) and auto.target.name == "mpg"
    assert list(auto.frame.columns) == [*AUTO_FEATURES, "mpg"]
    origin = auto.data["origin"]
    assert isinstance(origin.dtype, pd.CategoricalDtype)
    assert list(origin.cat.categories) == ["USA", "Europe", "Japan"]
    expected = pd.Series(arrays.data[:, 6]).map({1.0: "USA", 2.0: "Europe", 3.0: "Japan"})
    np.testing.assert_array_equal(origin.astype(str).to_numpy(), expected.to_numpy())
    np.testing.assert_array_equal(auto.data.drop(columns="origin").to_numpy(), arrays.data[:, :6])
    np.testing.assert_array_equal(auto.target.to_numpy(), arrays.target)
    assert auto.car_name.iloc[0] == "chevrolet chevelle malibu"


@pytest.mark.parametrize("as_frame", [False, True])
def test_auto_mpg_return_X_y(as_frame):
    X, y = load_auto_mpg(as_frame=as_frame, return_X_y=True)
    bunch = load_auto_mpg(as_frame=as_frame)
    assert type(X) is type(bunch.data) and type(y) is type(bunch.target)
    np.testing.assert_array_equal(np.asarray(y), np.asarray(bunch.target))


def test_auto_mpg_description_keeps_the_attribution():
    descr = load_auto_mpg().DESCR
    assert "StatLib" in descr and "UCI Machine Learning Repository" in descr
    assert "CC BY 4.0" in descr


def test_scikit_learn_loaders_are_re_exported_unchanged():
    for name in ("load_digits", "load_breast_cancer", "load_iris", "load_wine", "load_diabetes"):
        assert getattr(datasets, name) is getattr(sklearn.datasets, name)
        assert name in datasets.__all__


# --- MNIST from disk ---------------------------------------------------------------------------

IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _idx_bytes(array):
    """The IDX encoding of a uint8 array, written independently of the reader under test."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    return header + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


@pytest.fixture
def tiny_mnist():
    rng = np.random.default_rng(0)
    return {
        "train": (rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), np.array([5, 0, 4, 1, 9])),
        "test": (rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), np.array([7, 2, 1])),
    }


def _write_npz(path, mnist):
    (x_train, y_train), (x_test, y_test) = mnist["train"], mnist["test"]
    np.savez(path, x_train=x_train, y_train=y_train.astype(np.uint8), x_test=x_test, y_test=y_test)


def _write_idx_folder(folder, mnist, compress=False, dotted=False):
    folder.mkdir(exist_ok=True)
    for subset, names in IDX_NAMES.items():
        for name, array in zip(names, mnist[subset], strict=True):
            name = name.replace("-idx", ".idx") if dotted else name
            content = _idx_bytes(array.astype(np.uint8))
            if compress:
                with gzip.open(folder / f"{name}.gz", "wb") as file:
                    file.write(content)
            else:
                (folder / name).write_bytes(content)
    return folder


def _check_subset(bunch, mnist, subset):
    images, labels = mnist[subset]
    assert bunch.data.shape == (len(images), 784)
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.data, images.reshape(len(images), -1))
    np.testing.assert_array_equal(bunch.target, labels)
    assert bunch.target.dtype == np.int64


@pytest.mark.parametrize("subset", ["train", "test"])
def test_mnist_from_an_npz_file(tmp_path, tiny_mnist, subset):
    _write_npz(tmp_path / "mnist.npz", tiny_mnist)
    bunch = load_mnist(tmp_path / "mnist.npz", subset=subset)
    _check_subset(bunch, tiny_mnist, subset)
    assert (
        bunch.feature_names[:2] == ["pixel_0_0", "pixel_0_1"] and len(bunch.feature_names) == 784
    )
    np.testing.assert_array_equal(bunch.target_names, np.arange(10))
    assert "MNIST" in bunch.DESCR


def test_mnist_from_a_folder_holding_the_npz(tmp_path, tiny_mnist):
    _write_npz(tmp_path / "mnist.npz", tiny_mnist)
    _check_subset(load_mnist(str(tmp_path)), tiny_mnist, "train")


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dotted", [False, True])
def test_mnist_from_idx_files(tmp_path, tiny_mnist, compress, dotted):
    folder = _write_idx_folder(tmp_path / "mnist", tiny_mnist, compress=compress, dotted=dotted)
    _check_subset(load_mnist(folder), tiny_mnist, "train")
    _check_subset(load_mnist(folder, subset="test"), tiny_mnist, "test")


def test_mnist_subset_all_is_train_then_test(tmp_path, tiny_mnist):
    folder = _write_idx_folder(tmp_path / "mnist", tiny_mnist)
    X, y = load_mnist(folder, subset="all", return_X_y=True)
    assert X.shape == (8, 784)
    np.testing.assert_array_equal(y, [5, 0, 4, 1, 9, 7, 2, 1])
    np.testing.assert_array_equal(X[5:], tiny_mnist["test"][0].reshape(3, -1))


def test_mnist_missing_path_says_it_never_downloads(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_mnist touched the network")

    monkeypatch.setattr(socket, "socket", no_network)
    with pytest.raises(FileNotFoundError, match=r"never downloads.*mnist.npz.*load_digits"):
        load_mnist(tmp_path / "nowhere")


def test_mnist_folder_without_the_files_names_what_is_missing(tmp_path, tiny_mnist):
    (tmp_path / "notes.txt").write_text("not mnist")
    (tmp_path / "train-images-idx3-ubyte").write_bytes(_idx_bytes(tiny_mnist["train"][0]))
    with pytest.raises(FileNotFoundError, match=r"train-labels-idx1-ubyte.*notes.txt"):
        load_mnist(tmp_path)


def test_mnist_npz_without_the_expected_arrays(tmp_path):
    np.savez(tmp_path / "mnist.npz", images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"no array\(s\) \['x_train', 'y_train'\]"):
        load_mnist(tmp_path / "mnist.npz")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x00\x08", "not an IDX file"),
        (b"PK\x03\x04rest", "not an IDX file"),
        (_idx_bytes(np.zeros((2, 28, 28), np.uint8))[:-1], "truncated or corrupt"),
    ],
)
def test_mnist_rejects_a_broken_idx_file(tmp_path, tiny_mnist, content, message):
    folder = _write_idx_folder(tmp_path / "mnist", tiny_mnist)
    (folder / "train-images-idx3-ubyte").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_mnist(folder)


def test_mnist_rejects_images_and_labels_of_different_lengths(tmp_path, tiny_mnist):
    folder = _write_idx_folder(tmp_path / "mnist", tiny_mnist)
    (folder / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(ValueError, match=r"images of shape \(5, 28, 28\) and labels of shape"):
        load_mnist(folder)


def test_mnist_rejects_a_file_that_is_not_npz(tmp_path):
    (tmp_path / "mnist.csv").write_text("0,1,2")
    with pytest.raises(ValueError, match=r"not an \.npz file"):
        load_mnist(tmp_path / "mnist.csv")
    (tmp_path / "broken.npz").write_bytes(b"not a zip archive")
    with pytest.raises(ValueError, match="Could not read"):
        load_mnist(tmp_path / "broken.npz")


def test_mnist_rejects_an_unknown_subset(tmp_path):
    with pytest.raises(ValueError, match=r"subset must be one of.*'validation'"):
        load_mnist(tmp_path, subset="validation")
