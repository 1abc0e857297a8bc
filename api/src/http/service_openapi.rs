//! The shapes of the service-request answers that are built as JSON rather
//! than typed structs, for the OpenAPI document (see `openapi.rs`); the
//! operations are declared on their handlers.

#![allow(dead_code)] // schema types exist for the document only

use serde::Serialize;
use utoipa::ToSchema;

/// One field a service asks for.
#[derive(Serialize, ToSchema)]
pub struct ServiceFieldSchema {
    pub name: String,
    /// `cnic`, `phone`, `date`, `address`, `vehicle_registration` or `text`.
    pub kind: String,
    pub label_en: String,
    pub label_ur: String,
    pub required: bool,
}

/// A service of the catalogue.
#[derive(Serialize, ToSchema)]
pub struct ServiceSchema {
    pub code: String,
    pub name_en: String,
    pub name_ur: String,
    pub fields: Vec<ServiceFieldSchema>,
    /// What the counter must see (all to be checked in `documents_checked`).
    pub documents: Vec<String>,
    pub station_verification: bool,
    /// Recorded, never collected by Markaz.
    pub fee_rupees: u32,
    pub deadline_working_days: u32,
    pub issues_en: String,
    pub issues_ur: String,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceList {
    pub services: Vec<ServiceSchema>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceRequestPage {
    pub items: Vec<markaz_projections::ServiceRequestView>,
}

#[derive(Serialize, ToSchema)]
pub struct ServicePerformanceReport {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    pub services: Vec<markaz_projections::ServicePerformanceRow>,
}
