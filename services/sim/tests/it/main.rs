//! tvarit-sim's integration tests: the sim on port 0, spoken to over raw
//! HTTP/1.1, asserting the platforms' wire formats.

mod binary;
mod hooks;
mod real_clients;
mod stream;
mod support;
mod x_lookup;
mod x_oauth;
mod x_rest;
mod youtube;
