//! Wire types: requests, results and records of the worker API.
