//! A local fake GitHub REST API for tests: records requests, serves releases and assets, injects faults on the Nth request.
