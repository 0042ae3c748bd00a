//! A hand-rolled cache with raw pointers.

use std::ptr::NonNull;

pub struct Slot {
    value: NonNull<u64>,
}

unsafe impl Send for Slot {}

impl Slot {
    pub fn new(value: u64) -> Slot {
        let boxed = Box::new(value);
        Slot { value: NonNull::from(Box::leak(boxed)) }
    }

    pub fn get(&self) -> u64 {
        unsafe { *self.value.as_ptr() }
    }

    /// Overwrites the value without any check.
    pub unsafe fn set_unchecked(&self, value: u64) {
        *self.value.as_ptr() = value;
    }
}
