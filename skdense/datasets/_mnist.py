"""MNIST read from files the user already has on disk. Nothing here downloads anything."""

import gzip
import zipfile
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

_NPZ_NAME = "mnist.npz"
_NPZ_KEYS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}
_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# The type byte of an IDX file's magic number -> the (big-endian) numpy dtype that follows.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_SUBSETS = ("train", "test", "all")
_HOW_TO_GET_IT = (
    "skdense never downloads data sets. Get MNIST yourself, either Keras's mnist.npz "
    "(https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz) or the four IDX "
    "files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
    "t10k-labels-idx1-ubyte, gzipped or not), and pass the .npz file or the folder holding "
    "them. For an offline stand-in, skdense.datasets.load_digits() has 1,797 8x8 digits."
)
_DESCR = """\
MNIST handwritten digits
------------------------

70,000 grey-scale images of handwritten digits, 28x28 pixels (0 = background, 255 = ink):
60,000 for training and 10,000 for testing, the split everyone reports results on.
Read from {source}.

Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of handwritten digits".
"""


def load_mnist(path, *, subset="train", return_X_y=False):
    """Load MNIST from a copy on disk: Keras's ``mnist.npz`` or the four IDX files.

    skdense never downloads data: pass the path of a ``mnist.npz`` (arrays ``x_train``,
    ``y_train``, ``x_test``, ``y_test``, as ``keras.datasets.mnist`` saves it) or of a folder
    holding either that file or the original IDX files ``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``
    (each may be gzipped, ending in ``.gz``). The pixels stay integers in 0-255: scale them,
    for example with ``X / 255`` or a ``MinMaxScaler``.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file, or the folder that holds ``mnist.npz`` or the IDX files.
    subset : {"train", "test", "all"}, default="train"
        The 60,000 training images, the 10,000 test images, or all of them (training first).
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (n_samples, 784)
            The images, flattened row by row, as stored (uint8 for MNIST).
        target : ndarray of shape (n_samples,), dtype int64
            The digit each image shows.
        images : ndarray of shape (n_samples, 28, 28)
            The images (a view of ``data``).
        feature_names : list of str
            ``"pixel_{row}_{column}"`` for each column of ``data``.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        DESCR : str
            A description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist, or a folder holds neither ``mnist.npz`` nor all the IDX
        files needed.
    ValueError
        When a file is not a valid ``.npz`` or IDX file, or its arrays have the wrong shapes.

    See Also
    --------
    load_digits : scikit-learn's bundled 8x8 digits, an offline stand-in for MNIST.

    Examples
    --------
    >>> from skdense.datasets import load_mnist
    >>> train = load_mnist("~/data/mnist.npz")  # doctest: +SKIP
    >>> X, y = load_mnist("~/data/mnist", subset="test", return_X_y=True)  # doctest: +SKIP
    """
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {list(_SUBSETS)}; got {subset!r}.")
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"No MNIST data at '{path}': no such file or folder. " + _HOW_TO_GET_IT
        )
    if path.is_dir() and (path / _NPZ_NAME).is_file():
        path = path / _NPZ_NAME
    parts = ("train", "test") if subset == "all" else (subset,)
    read = _read_npz if path.is_file() else _read_idx_folder
    images, labels = zip(*(read(path, part) for part in parts), strict=True)
    images, labels = np.concatenate(images), np.concatenate(labels)
    data = images.reshape(len(images), -1)
    target = labels.astype(np.int64)
    if return_X_y:
        return data, target
    height, width = images.shape[1:]
    return Bunch(
        data=data,
        target=target,
        images=data.reshape(images.shape),
        feature_names=[f"pixel_{r}_{c}" for r in range(height) for c in range(width)],
        target_names=np.arange(10),
        DESCR=_DESCR.format(source=path.name),
    )


def _read_npz(path, part):
    if path.suffix != ".npz":
        raise ValueError(
            f"'{path}' is not an .npz file. Pass Keras's mnist.npz, or the folder that holds "
            "the four MNIST IDX files."
        )
    keys = _NPZ_KEYS[part]
    try:
        with np.load(path, allow_pickle=False) as arrays:
            found = sorted(arrays.files)
            images, labels = (arrays[key] if key in found else None for key in keys)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"Could not read '{path}' as an .npz file: {exc}") from exc
    missing = [key for key in keys if key not in found]
    if missing:
        raise ValueError(
            f"'{path}' has no array(s) {missing}; it holds {found}. An MNIST .npz holds "
            "x_train, y_train, x_test and y_test."
        )
    return _checked(images, labels, path)


def _read_idx_folder(folder, part):
    files = [_find_idx_file(folder, name) for name in _IDX_NAMES[part]]
    missing = [name for name, file in zip(_IDX_NAMES[part], files, strict=True) if file is None]
    if missing:
        found = sorted(p.name for p in folder.iterdir())[:10]
        raise FileNotFoundError(
            f"The folder '{folder}' holds neither {_NPZ_NAME} nor the MNIST IDX file(s) "
            f"{missing} (with or without .gz); it holds {found}. " + _HOW_TO_GET_IT
        )
    return _checked(_read_idx(files[0]), _read_idx(files[1]), folder)


def _find_idx_file(folder, name):
    # Some mirrors spell "train-images.idx3-ubyte"; accept both, gzipped or not.
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def _read_idx(path):
    """One IDX file (MNIST's original format; gzipped if named ``*.gz``) as a numpy array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as file:
            content = file.read()
    except (OSError, EOFError) as exc:  # gzip raises BadGzipFile (an OSError) or EOFError
        raise ValueError(f"Could not read '{path}': {exc}") from exc
    if len(content) < 4 or content[:2] != b"\x00\x00" or content[2] not in _IDX_DTYPES:
        raise ValueError(f"'{path}' is not an IDX file: its first bytes are {content[:4]!r}.")
    dtype, ndim = np.dtype(_IDX_DTYPES[content[2]]), content[3]
    header = 4 + 4 * ndim
    shape = tuple(int(n) for n in np.frombuffer(content[4:header], dtype=">i4"))
    if len(shape) != ndim or len(content) != header + dtype.itemsize * int(np.prod(shape)):
        raise ValueError(
            f"'{path}' is truncated or corrupt: its header declares shape {shape} of {dtype} "
            f"but it holds {len(content)} bytes."
        )
    return (
        np.frombuffer(content, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def _checked(images, labels, source):
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"The MNIST data in '{source}' has images of shape {images.shape} and labels of "
            f"shape {labels.shape}; expected (n, 28, 28) and (n,)."
        )
    return images, labels
