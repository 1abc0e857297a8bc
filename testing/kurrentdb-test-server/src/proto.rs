//! The server side of the KurrentDB gRPC protocol, generated at build time
//! from the `kurrentdb` crate's `.proto` files (see build.rs). The modules
//! mirror the protobuf packages so the generated cross-references resolve.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

pub mod event_store {
    pub mod client {
        include!(concat!(env!("OUT_DIR"), "/event_store.client.rs"));

        pub mod streams {
            include!(concat!(env!("OUT_DIR"), "/event_store.client.streams.rs"));
        }

        pub mod server_features {
            include!(concat!(
                env!("OUT_DIR"),
                "/event_store.client.server_features.rs"
            ));
        }
    }
}

pub mod google {
    pub mod rpc {
        include!(concat!(env!("OUT_DIR"), "/google.rpc.rs"));
    }
}
