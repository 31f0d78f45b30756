//! Secrets come from a file (`..._FILE`, as Docker secrets are mounted) or
//! from the environment, never from the repository.

use secrecy::SecretString;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret file {path} for {name}: {source}")]
    File { name: String, path: String, source: std::io::Error },
    #[error("{name} is empty")]
    Empty { name: String },
}

/// Reads `<name>_FILE` (a path) or `<name>` (the value) from the environment;
/// `Ok(None)` when neither is set. A trailing newline in the file is dropped.
pub fn read_secret(name: &str) -> Result<Option<SecretString>, SecretError> {
    let value = if let Some(path) = std::env::var_os(format!("{name}_FILE")) {
        let text = std::fs::read_to_string(&path).map_err(|source| SecretError::File {
            name: name.into(),
            path: path.to_string_lossy().into_owned(),
            source,
        })?;
        text.trim_end_matches(['\n', '\r']).to_owned()
    } else if let Ok(v) = std::env::var(name) {
        v
    } else {
        return Ok(None);
    };
    if value.is_empty() {
        return Err(SecretError::Empty { name: name.into() });
    }
    Ok(Some(SecretString::from(value)))
}
