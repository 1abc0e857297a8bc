//! Issued documents in forms other than the printable HTML page
//! (`web::service_document`): the PDF.

pub mod pdf;
