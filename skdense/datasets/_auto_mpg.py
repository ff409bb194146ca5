"""The Auto MPG data set, bundled with the package so that examples and tests run offline."""

from importlib import resources

import pandas as pd
from sklearn.utils import Bunch

FEATURE_NAMES = [
    "cylinders",
    "displacement",
    "horsepower",
    "weight",
    "acceleration",
    "model_year",
    "origin",
]
TARGET_NAME = "mpg"
ORIGINS = {1: "USA", 2: "Europe", 3: "Japan"}


def _data_file(name):
    return resources.files("skdense.datasets").joinpath("data", name)


def load_auto_mpg(*, as_frame=False, return_X_y=False):
    """Load the Auto MPG data set (regression), bundled with skdense.

    392 cars from model years 1970 to 1982: predict the fuel consumption in miles per gallon
    from 7 features. ``origin`` is categorical (USA, Europe, Japan); the car's name is an
    identifier, not a feature, and is returned apart as ``car_name``. Read
    ``load_auto_mpg().DESCR`` for the description, source and licence (CC BY 4.0).

    =================   ==============
    Samples total       392
    Dimensionality      7
    Features            real, positive; ``origin`` categorical
    Targets             real 9 - 46.6
    =================   ==============

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame in which ``origin`` is a categorical column
        with the categories ``"USA"``, ``"Europe"`` and ``"Japan"``, ``target`` a Series and
        ``car_name`` a Series of strings. If False, ``data`` is a float64 array in which
        ``origin`` holds the codes 1 (USA), 2 (Europe) and 3 (Japan), and ``car_name`` an
        object array.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : {ndarray, DataFrame} of shape (392, 7)
            The features, in the order of ``feature_names``.
        target : {ndarray, Series} of shape (392,)
            Miles per gallon.
        frame : DataFrame of shape (392, 8) or None
            ``data`` and ``target`` together; only with ``as_frame=True``.
        feature_names : list of str
            The names of the feature columns.
        target_names : list of str
            ``["mpg"]``.
        car_name : {ndarray, Series} of shape (392,)
            The name of each car.
        DESCR : str
            The full description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above.

    See Also
    --------
    sklearn.datasets.load_diabetes : Another small regression data set.

    Examples
    --------
    >>> from skdense.datasets import load_auto_mpg
    >>> auto = load_auto_mpg(as_frame=True)
    >>> auto.data.shape
    (392, 7)
    >>> list(auto.data["origin"].cat.categories)
    ['USA', 'Europe', 'Japan']
    >>> round(float(auto.target.mean()), 2)
    23.45
    """
    with _data_file("auto_mpg.csv").open("r", encoding="utf-8") as file:
        raw = pd.read_csv(file)
    descr = _data_file("auto_mpg.rst").read_text(encoding="utf-8")
    features = raw[FEATURE_NAMES].astype("float64")
    target = raw[TARGET_NAME].astype("float64")
    car_name = raw["car_name"].astype(object)
    frame = None
    if as_frame:
        origin = pd.Categorical.from_codes(
            features["origin"].astype(int) - 1, categories=list(ORIGINS.values())
        )
        features["origin"] = origin
        frame = pd.concat([features, target], axis=1)
        data, target = frame[FEATURE_NAMES], frame[TARGET_NAME]
    else:
        data, target, car_name = features.to_numpy(), target.to_numpy(), car_name.to_numpy()
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=list(FEATURE_NAMES),
        target_names=[TARGET_NAME],
        car_name=car_name,
        DESCR=descr,
    )
