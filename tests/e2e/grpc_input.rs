//! Malformed input at the gRPC boundary: bytes that are not the message,
//! strings that are not UTF-8, a message over the size limit. Each gets a
//! clear status, and the service keeps serving everyone else.

use bytes::{Buf, BufMut, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::{Code, Status};
use tvarit_e2e::{TestEnv, authed, desk_client};
use tvarit_proto::v1::WhoAmIRequest;

/// Sends whatever bytes it is given as the request message.
#[derive(Default, Clone)]
struct RawBytes;

impl Codec for RawBytes {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawBytes;
    type Decoder = RawBytes;
    fn encoder(&mut self) -> Self::Encoder {
        RawBytes
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawBytes
    }
}

impl Encoder for RawBytes {
    type Item = Bytes;
    type Error = Status;
    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawBytes {
    type Item = Bytes;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

async fn call_raw(addr: std::net::SocketAddr, token: &str, path: &'static str, body: Bytes) -> Result<Bytes, Status> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(path);
    grpc.unary(authed(token, body), path, RawBytes).await.map(|r| r.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_grpc_requests_get_clear_statuses_and_harm_nobody() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let token = env.operator("grpc-fuzz", "operator", "balotra");
    let reply = running[2].grpc_addr;
    const GET_CASE: &str = "/tvarit.v1.Desk/GetCase";

    // Field 1 (docket) as a length-delimited string longer than the message.
    let truncated = Bytes::from_static(&[0x0a, 0x40, b'B', b'L']);
    let status = call_raw(reply, &token, GET_CASE, truncated).await.unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(status.message().contains("decode"), "{status:?}");

    // The docket as bytes that are not UTF-8.
    let not_utf8 = Bytes::from_static(&[0x0a, 0x03, 0xff, 0xfe, 0xfd]);
    let status = call_raw(reply, &token, GET_CASE, not_utf8).await.unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");

    // A 5 MB message: over the 4 MB limit, refused without being decoded.
    let mut huge = vec![0x0a];
    let len = 5 * 1024 * 1024u32;
    let mut n = len;
    while n >= 0x80 {
        huge.push((n as u8) | 0x80);
        n >>= 7;
    }
    huge.push(n as u8);
    huge.resize(huge.len() + len as usize, b'A');
    let status = call_raw(reply, &token, GET_CASE, Bytes::from(huge)).await.unwrap_err();
    assert!(matches!(status.code(), Code::OutOfRange | Code::ResourceExhausted), "{status:?}");

    // A well-formed call with no token is refused before anything is read.
    let status = call_raw(reply, "", GET_CASE, Bytes::new()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");

    // The service is unharmed.
    let mut desk = desk_client(&running[2]).await;
    let me = desk.who_am_i(authed(&token, WhoAmIRequest {})).await.unwrap().into_inner();
    assert_eq!(me.name, "grpc-fuzz");
    env.cleanup(running).await;
}
