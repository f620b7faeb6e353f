//! A large image's smaller copy, which the SPA shows in a note (the original one click
//! away): an image wider than [`WIDTH`] is scaled down to it and written as JPEG, turned
//! as its EXIF orientation says (the copy keeps no EXIF). Made once, when first asked
//! for, one at a time per server (decoding a photo takes a few hundred megabytes at most,
//! bounded by [`MAX_ALLOC`]); an image that is not wider, an animated GIF, or one that
//! cannot be decoded has none, and its original is served instead.

use super::sniff;
use crate::error::{ApiError, ApiResult};
use crate::ops::settings::StorageLocation;
use crate::storage::blobs::{Blobs, Kind, key};
use crate::storage::entities::attachment::{self, Column, Entity as Attachment};
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::io::Cursor;
use tokio::sync::Semaphore;

/// The copy's width, in pixels.
pub const WIDTH: u32 = 1600;

/// The most a decode may allocate.
const MAX_ALLOC: u64 = 512 << 20;

/// The copy's type.
pub const TYPE: &str = "image/jpeg";

/// One copy made at a time.
static MAKING: Semaphore = Semaphore::const_new(1);

/// Whether an image whose first bytes are `head` says in its header that it is no wider
/// than [`WIDTH`], so needs no copy: known at upload, so that its first view does not read
/// the whole file to find out. False when the head does not tell (a JPEG's size may
/// follow a long EXIF block): the copy is then decided when first asked for.
pub fn narrow(head: &[u8]) -> bool {
    ImageReader::new(Cursor::new(head))
        .with_guessed_format()
        .ok()
        .and_then(|reader| reader.into_dimensions().ok())
        .is_some_and(|(width, _)| width <= WIDTH)
}

/// The smaller copy of `bytes`, if it is an image wider than [`WIDTH`].
pub fn make(bytes: &[u8]) -> Result<Option<Vec<u8>>, image::ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let (width, _) = decoder.dimensions();
    let orientation = decoder.orientation()?;
    if width <= WIDTH {
        return Ok(None);
    }
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    let scaled = image.resize(WIDTH, u32::MAX, image::imageops::FilterType::Triangle);
    // JPEG has no alpha: a transparent image is flattened (onto black, as RGB drops it).
    let rgb = DynamicImage::ImageRgb8(scaled.to_rgb8());
    let mut out = Vec::new();
    rgb.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
        &mut out, 82,
    ))?;
    Ok(Some(out))
}

/// `file`'s preview type, made now (kept beside the file at `location`) if it was never
/// made: the copy's type, or `None` when it has none.
pub async fn ensure(
    writer: &DatabaseConnection,
    blobs: &Blobs,
    file: &attachment::Model,
    location: &StorageLocation,
) -> ApiResult<Option<String>> {
    if !sniff::inline(&file.content_type) || file.content_type == "image/gif" {
        return Ok(None);
    }
    if let Some(made) = &file.preview_type {
        return Ok((!made.is_empty()).then(|| made.clone()));
    }
    let _turn = MAKING.acquire().await.expect("never closed");
    // Made by another request while this one waited?
    let now = Attachment::find_by_id(&file.id)
        .one(writer)
        .await?
        .ok_or(ApiError::NotFound)?;
    if let Some(made) = now.preview_type {
        return Ok((!made.is_empty()).then_some(made));
    }
    let size = file.size.unwrap_or(0).unsigned_abs();
    let original = blobs
        .read_all(location, key(&file.id, Kind::Original), size)
        .await?;
    let made = tokio::task::spawn_blocking(move || make(&original))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let preview_type = match made {
        Ok(Some(copy)) => {
            blobs
                .put(location, key(&file.id, Kind::Preview), copy.into())
                .await?;
            TYPE
        }
        Ok(None) => "",
        Err(error) => {
            tracing::info!(%error, id = file.id, "an image has no preview: it cannot be decoded");
            ""
        }
    };
    Attachment::update_many()
        .col_expr(Column::PreviewType, Expr::value(preview_type))
        .filter(Column::Id.eq(&file.id))
        .exec(writer)
        .await?;
    Ok((!preview_type.is_empty()).then(|| preview_type.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, RgbImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_wide_image_gets_a_copy_1600_pixels_wide_and_a_small_one_none() {
        let copy = make(&png(2400, 900)).unwrap().expect("a copy");
        let read = image::load_from_memory(&copy).unwrap();
        assert_eq!((read.width(), read.height()), (1600, 600));
        assert_eq!(image::guess_format(&copy).unwrap(), ImageFormat::Jpeg);
        assert_eq!(make(&png(1600, 3000)).unwrap(), None);
        assert!(make(b"\x89PNG\r\n\x1a\nnot really").is_err());
    }

    #[test]
    fn the_first_bytes_of_an_image_tell_whether_it_needs_a_copy() {
        let head = |bytes: Vec<u8>| bytes[..bytes.len().min(super::sniff::HEAD)].to_vec();
        assert!(narrow(&head(png(1600, 3000))));
        assert!(!narrow(&head(png(2400, 900))));
        let mut jpeg = Cursor::new(Vec::new());
        RgbImage::new(640, 480)
            .write_to(&mut jpeg, ImageFormat::Jpeg)
            .unwrap();
        assert!(narrow(&head(jpeg.into_inner())));
        assert!(!narrow(b"%PDF-1.4 not an image"));
        assert!(
            !narrow(&head(png(800, 600))[..20]),
            "a head too short to tell"
        );
    }
}
