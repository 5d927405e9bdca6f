/* sal.h: the source-code annotation language (SAL) as the WDK spells it: sal.h,
 * concurrencysal.h, driverspecs.h and the older specstrings.h names. pssim does no static
 * analysis, so every annotation expands to nothing; the point is that driver sources which
 * use them compile unchanged. Each name is guarded so a driver that defines one itself keeps
 * its own definition. Only annotations live here: no types, functions or other macros. */
#ifndef PSSIM_WDK_SAL_H
#define PSSIM_WDK_SAL_H

/* ---- Parameters: pointers in, out and in/out ---- */
#ifndef _In_
#define _In_
#endif
#ifndef _In_opt_
#define _In_opt_
#endif
#ifndef _In_z_
#define _In_z_
#endif
#ifndef _In_opt_z_
#define _In_opt_z_
#endif
#ifndef _Out_
#define _Out_
#endif
#ifndef _Out_opt_
#define _Out_opt_
#endif
#ifndef _Inout_
#define _Inout_
#endif
#ifndef _Inout_opt_
#define _Inout_opt_
#endif
#ifndef _Inout_z_
#define _Inout_z_
#endif
#ifndef _Inout_opt_z_
#define _Inout_opt_z_
#endif
#ifndef _In_range_
#define _In_range_(lb, ub)
#endif
#ifndef _Out_range_
#define _Out_range_(lb, ub)
#endif
#ifndef _Ret_range_
#define _Ret_range_(lb, ub)
#endif
#ifndef _Deref_in_range_
#define _Deref_in_range_(lb, ub)
#endif
#ifndef _Deref_out_range_
#define _Deref_out_range_(lb, ub)
#endif
#ifndef _Deref_inout_range_
#define _Deref_inout_range_(lb, ub)
#endif
#ifndef _Deref_ret_range_
#define _Deref_ret_range_(lb, ub)
#endif
#ifndef _Pre_equal_to_
#define _Pre_equal_to_(expr)
#endif
#ifndef _Post_equal_to_
#define _Post_equal_to_(expr)
#endif
#ifndef _In_defensive_
#define _In_defensive_(annos)
#endif
#ifndef _Out_defensive_
#define _Out_defensive_(annos)
#endif
#ifndef _Inout_defensive_
#define _Inout_defensive_(annos)
#endif
#ifndef _Pre_defensive_
#define _Pre_defensive_
#endif
#ifndef _Post_defensive_
#define _Post_defensive_
#endif
#ifndef _Struct_size_bytes_
#define _Struct_size_bytes_(size)
#endif

/* ---- Parameters: input buffers ---- */
#ifndef _In_reads_
#define _In_reads_(s)
#endif
#ifndef _In_reads_opt_
#define _In_reads_opt_(s)
#endif
#ifndef _In_reads_bytes_
#define _In_reads_bytes_(s)
#endif
#ifndef _In_reads_bytes_opt_
#define _In_reads_bytes_opt_(s)
#endif
#ifndef _In_reads_z_
#define _In_reads_z_(s)
#endif
#ifndef _In_reads_opt_z_
#define _In_reads_opt_z_(s)
#endif
#ifndef _In_reads_or_z_
#define _In_reads_or_z_(s)
#endif
#ifndef _In_reads_or_z_opt_
#define _In_reads_or_z_opt_(s)
#endif
#ifndef _In_reads_to_ptr_
#define _In_reads_to_ptr_(p)
#endif
#ifndef _In_reads_to_ptr_opt_
#define _In_reads_to_ptr_opt_(p)
#endif
#ifndef _In_reads_to_ptr_z_
#define _In_reads_to_ptr_z_(p)
#endif
#ifndef _In_reads_to_ptr_opt_z_
#define _In_reads_to_ptr_opt_z_(p)
#endif

/* ---- Parameters: output buffers ---- */
#ifndef _Out_writes_
#define _Out_writes_(s)
#endif
#ifndef _Out_writes_opt_
#define _Out_writes_opt_(s)
#endif
#ifndef _Out_writes_bytes_
#define _Out_writes_bytes_(s)
#endif
#ifndef _Out_writes_bytes_opt_
#define _Out_writes_bytes_opt_(s)
#endif
#ifndef _Out_writes_z_
#define _Out_writes_z_(s)
#endif
#ifndef _Out_writes_opt_z_
#define _Out_writes_opt_z_(s)
#endif
#ifndef _Out_writes_to_
#define _Out_writes_to_(s, c)
#endif
#ifndef _Out_writes_to_opt_
#define _Out_writes_to_opt_(s, c)
#endif
#ifndef _Out_writes_all_
#define _Out_writes_all_(s)
#endif
#ifndef _Out_writes_all_opt_
#define _Out_writes_all_opt_(s)
#endif
#ifndef _Out_writes_bytes_to_
#define _Out_writes_bytes_to_(s, c)
#endif
#ifndef _Out_writes_bytes_to_opt_
#define _Out_writes_bytes_to_opt_(s, c)
#endif
#ifndef _Out_writes_bytes_all_
#define _Out_writes_bytes_all_(s)
#endif
#ifndef _Out_writes_bytes_all_opt_
#define _Out_writes_bytes_all_opt_(s)
#endif
#ifndef _Out_writes_to_ptr_
#define _Out_writes_to_ptr_(p)
#endif
#ifndef _Out_writes_to_ptr_opt_
#define _Out_writes_to_ptr_opt_(p)
#endif
#ifndef _Out_writes_to_ptr_z_
#define _Out_writes_to_ptr_z_(p)
#endif
#ifndef _Out_writes_to_ptr_opt_z_
#define _Out_writes_to_ptr_opt_z_(p)
#endif

/* ---- Parameters: in/out buffers ---- */
#ifndef _Inout_updates_
#define _Inout_updates_(s)
#endif
#ifndef _Inout_updates_opt_
#define _Inout_updates_opt_(s)
#endif
#ifndef _Inout_updates_z_
#define _Inout_updates_z_(s)
#endif
#ifndef _Inout_updates_opt_z_
#define _Inout_updates_opt_z_(s)
#endif
#ifndef _Inout_updates_to_
#define _Inout_updates_to_(s, c)
#endif
#ifndef _Inout_updates_to_opt_
#define _Inout_updates_to_opt_(s, c)
#endif
#ifndef _Inout_updates_all_
#define _Inout_updates_all_(s)
#endif
#ifndef _Inout_updates_all_opt_
#define _Inout_updates_all_opt_(s)
#endif
#ifndef _Inout_updates_bytes_
#define _Inout_updates_bytes_(s)
#endif
#ifndef _Inout_updates_bytes_opt_
#define _Inout_updates_bytes_opt_(s)
#endif
#ifndef _Inout_updates_bytes_to_
#define _Inout_updates_bytes_to_(s, c)
#endif
#ifndef _Inout_updates_bytes_to_opt_
#define _Inout_updates_bytes_to_opt_(s, c)
#endif
#ifndef _Inout_updates_bytes_all_
#define _Inout_updates_bytes_all_(s)
#endif
#ifndef _Inout_updates_bytes_all_opt_
#define _Inout_updates_bytes_all_opt_(s)
#endif

/* ---- Parameters: pointers to pointers (out) and references ---- */
#ifndef _Outptr_
#define _Outptr_
#endif
#ifndef _Outptr_opt_
#define _Outptr_opt_
#endif
#ifndef _Outptr_result_maybenull_
#define _Outptr_result_maybenull_
#endif
#ifndef _Outptr_opt_result_maybenull_
#define _Outptr_opt_result_maybenull_
#endif
#ifndef _Outptr_result_z_
#define _Outptr_result_z_
#endif
#ifndef _Outptr_opt_result_z_
#define _Outptr_opt_result_z_
#endif
#ifndef _Outptr_result_maybenull_z_
#define _Outptr_result_maybenull_z_
#endif
#ifndef _Outptr_opt_result_maybenull_z_
#define _Outptr_opt_result_maybenull_z_
#endif
#ifndef _Outptr_result_nullonfailure_
#define _Outptr_result_nullonfailure_
#endif
#ifndef _Outptr_opt_result_nullonfailure_
#define _Outptr_opt_result_nullonfailure_
#endif
#ifndef _Outptr_result_buffer_
#define _Outptr_result_buffer_(s)
#endif
#ifndef _Outptr_opt_result_buffer_
#define _Outptr_opt_result_buffer_(s)
#endif
#ifndef _Outptr_result_buffer_to_
#define _Outptr_result_buffer_to_(s, c)
#endif
#ifndef _Outptr_opt_result_buffer_to_
#define _Outptr_opt_result_buffer_to_(s, c)
#endif
#ifndef _Outptr_result_buffer_all_
#define _Outptr_result_buffer_all_(s)
#endif
#ifndef _Outptr_opt_result_buffer_all_
#define _Outptr_opt_result_buffer_all_(s)
#endif
#ifndef _Outptr_result_buffer_maybenull_
#define _Outptr_result_buffer_maybenull_(s)
#endif
#ifndef _Outptr_opt_result_buffer_maybenull_
#define _Outptr_opt_result_buffer_maybenull_(s)
#endif
#ifndef _Outptr_result_buffer_to_maybenull_
#define _Outptr_result_buffer_to_maybenull_(s, c)
#endif
#ifndef _Outptr_opt_result_buffer_to_maybenull_
#define _Outptr_opt_result_buffer_to_maybenull_(s, c)
#endif
#ifndef _Outptr_result_buffer_all_maybenull_
#define _Outptr_result_buffer_all_maybenull_(s)
#endif
#ifndef _Outptr_opt_result_buffer_all_maybenull_
#define _Outptr_opt_result_buffer_all_maybenull_(s)
#endif
#ifndef _Outptr_result_bytebuffer_
#define _Outptr_result_bytebuffer_(s)
#endif
#ifndef _Outptr_opt_result_bytebuffer_
#define _Outptr_opt_result_bytebuffer_(s)
#endif
#ifndef _Outptr_result_bytebuffer_to_
#define _Outptr_result_bytebuffer_to_(s, c)
#endif
#ifndef _Outptr_opt_result_bytebuffer_to_
#define _Outptr_opt_result_bytebuffer_to_(s, c)
#endif
#ifndef _Outptr_result_bytebuffer_all_
#define _Outptr_result_bytebuffer_all_(s)
#endif
#ifndef _Outptr_opt_result_bytebuffer_all_
#define _Outptr_opt_result_bytebuffer_all_(s)
#endif
#ifndef _Outptr_result_bytebuffer_maybenull_
#define _Outptr_result_bytebuffer_maybenull_(s)
#endif
#ifndef _Outptr_opt_result_bytebuffer_maybenull_
#define _Outptr_opt_result_bytebuffer_maybenull_(s)
#endif
#ifndef _Outptr_result_bytebuffer_to_maybenull_
#define _Outptr_result_bytebuffer_to_maybenull_(s, c)
#endif
#ifndef _Outptr_opt_result_bytebuffer_to_maybenull_
#define _Outptr_opt_result_bytebuffer_to_maybenull_(s, c)
#endif
#ifndef _Outptr_result_bytebuffer_all_maybenull_
#define _Outptr_result_bytebuffer_all_maybenull_(s)
#endif
#ifndef _Outptr_opt_result_bytebuffer_all_maybenull_
#define _Outptr_opt_result_bytebuffer_all_maybenull_(s)
#endif
#ifndef _COM_Outptr_
#define _COM_Outptr_
#endif
#ifndef _COM_Outptr_opt_
#define _COM_Outptr_opt_
#endif
#ifndef _COM_Outptr_result_maybenull_
#define _COM_Outptr_result_maybenull_
#endif
#ifndef _COM_Outptr_opt_result_maybenull_
#define _COM_Outptr_opt_result_maybenull_
#endif
#ifndef _Outref_
#define _Outref_
#endif
#ifndef _Outref_result_maybenull_
#define _Outref_result_maybenull_
#endif
#ifndef _Outref_result_nullonfailure_
#define _Outref_result_nullonfailure_
#endif
#ifndef _Outref_result_buffer_
#define _Outref_result_buffer_(s)
#endif
#ifndef _Outref_result_bytebuffer_
#define _Outref_result_bytebuffer_(s)
#endif
#ifndef _Outref_result_buffer_to_
#define _Outref_result_buffer_to_(s, c)
#endif
#ifndef _Outref_result_bytebuffer_to_
#define _Outref_result_bytebuffer_to_(s, c)
#endif
#ifndef _Outref_result_buffer_all_
#define _Outref_result_buffer_all_(s)
#endif
#ifndef _Outref_result_bytebuffer_all_
#define _Outref_result_bytebuffer_all_(s)
#endif
#ifndef _Outref_result_buffer_maybenull_
#define _Outref_result_buffer_maybenull_(s)
#endif
#ifndef _Outref_result_bytebuffer_maybenull_
#define _Outref_result_bytebuffer_maybenull_(s)
#endif
#ifndef _Outref_result_buffer_to_maybenull_
#define _Outref_result_buffer_to_maybenull_(s, c)
#endif
#ifndef _Outref_result_bytebuffer_to_maybenull_
#define _Outref_result_bytebuffer_to_maybenull_(s, c)
#endif
#ifndef _Outref_result_buffer_all_maybenull_
#define _Outref_result_buffer_all_maybenull_(s)
#endif
#ifndef _Outref_result_bytebuffer_all_maybenull_
#define _Outref_result_bytebuffer_all_maybenull_(s)
#endif
#ifndef _Result_nullonfailure_
#define _Result_nullonfailure_
#endif
#ifndef _Result_zeroonfailure_
#define _Result_zeroonfailure_
#endif

/* ---- Return values ---- */
#ifndef _Ret_maybenull_
#define _Ret_maybenull_
#endif
#ifndef _Ret_notnull_
#define _Ret_notnull_
#endif
#ifndef _Ret_null_
#define _Ret_null_
#endif
#ifndef _Ret_valid_
#define _Ret_valid_
#endif
#ifndef _Ret_z_
#define _Ret_z_
#endif
#ifndef _Ret_maybenull_z_
#define _Ret_maybenull_z_
#endif
#ifndef _Ret_writes_
#define _Ret_writes_(s)
#endif
#ifndef _Ret_writes_z_
#define _Ret_writes_z_(s)
#endif
#ifndef _Ret_writes_bytes_
#define _Ret_writes_bytes_(s)
#endif
#ifndef _Ret_writes_maybenull_
#define _Ret_writes_maybenull_(s)
#endif
#ifndef _Ret_writes_maybenull_z_
#define _Ret_writes_maybenull_z_(s)
#endif
#ifndef _Ret_writes_bytes_maybenull_
#define _Ret_writes_bytes_maybenull_(s)
#endif
#ifndef _Ret_writes_to_
#define _Ret_writes_to_(s, c)
#endif
#ifndef _Ret_writes_bytes_to_
#define _Ret_writes_bytes_to_(s, c)
#endif
#ifndef _Ret_writes_to_maybenull_
#define _Ret_writes_to_maybenull_(s, c)
#endif
#ifndef _Ret_writes_bytes_to_maybenull_
#define _Ret_writes_bytes_to_maybenull_(s, c)
#endif
#ifndef _Must_inspect_result_
#define _Must_inspect_result_
#endif
#ifndef _Check_return_
#define _Check_return_
#endif
#ifndef _Use_decl_annotations_
#define _Use_decl_annotations_
#endif
#ifndef _Post_equals_last_error_
#define _Post_equals_last_error_
#endif
#ifndef _Translates_Win32_to_HRESULT_
#define _Translates_Win32_to_HRESULT_(err)
#endif
#ifndef _Translates_NTSTATUS_to_HRESULT_
#define _Translates_NTSTATUS_to_HRESULT_(status)
#endif
#ifndef _Translates_last_error_to_HRESULT_
#define _Translates_last_error_to_HRESULT_
#endif

/* ---- Fields of structures ---- */
#ifndef _Field_size_
#define _Field_size_(s)
#endif
#ifndef _Field_size_opt_
#define _Field_size_opt_(s)
#endif
#ifndef _Field_size_bytes_
#define _Field_size_bytes_(s)
#endif
#ifndef _Field_size_bytes_opt_
#define _Field_size_bytes_opt_(s)
#endif
#ifndef _Field_size_part_
#define _Field_size_part_(s, c)
#endif
#ifndef _Field_size_part_opt_
#define _Field_size_part_opt_(s, c)
#endif
#ifndef _Field_size_bytes_part_
#define _Field_size_bytes_part_(s, c)
#endif
#ifndef _Field_size_bytes_part_opt_
#define _Field_size_bytes_part_opt_(s, c)
#endif
#ifndef _Field_size_full_
#define _Field_size_full_(s)
#endif
#ifndef _Field_size_full_opt_
#define _Field_size_full_opt_(s)
#endif
#ifndef _Field_size_bytes_full_
#define _Field_size_bytes_full_(s)
#endif
#ifndef _Field_size_bytes_full_opt_
#define _Field_size_bytes_full_opt_(s)
#endif
#ifndef _Field_z_
#define _Field_z_
#endif
#ifndef _Field_range_
#define _Field_range_(lb, ub)
#endif

/* ---- Success, conditions and grouping ---- */
#ifndef _Success_
#define _Success_(expr)
#endif
#ifndef _Return_type_success_
#define _Return_type_success_(expr)
#endif
#ifndef _On_failure_
#define _On_failure_(annos)
#endif
#ifndef _Always_
#define _Always_(annos)
#endif
#ifndef _When_
#define _When_(expr, annos)
#endif
#ifndef _At_
#define _At_(target, annos)
#endif
#ifndef _At_buffer_
#define _At_buffer_(target, iter, bound, annos)
#endif
#ifndef _Group_
#define _Group_(annos)
#endif
#ifndef _Pre_satisfies_
#define _Pre_satisfies_(cond)
#endif
#ifndef _Post_satisfies_
#define _Post_satisfies_(cond)
#endif
#ifndef _Satisfies_
#define _Satisfies_(cond)
#endif
#ifndef _Unchanged_
#define _Unchanged_(expr)
#endif
#ifndef _Inexpressible_
#define _Inexpressible_(expr)
#endif

/* ---- Pre- and post-conditions ---- */
#ifndef _Pre_
#define _Pre_
#endif
#ifndef _Post_
#define _Post_
#endif
#ifndef _Deref_
#define _Deref_
#endif
#ifndef _Notnull_
#define _Notnull_
#endif
#ifndef _Maybenull_
#define _Maybenull_
#endif
#ifndef _Null_
#define _Null_
#endif
#ifndef _Valid_
#define _Valid_
#endif
#ifndef _Notvalid_
#define _Notvalid_
#endif
#ifndef _Maybevalid_
#define _Maybevalid_
#endif
#ifndef _Readonly_
#define _Readonly_
#endif
#ifndef _Notref_
#define _Notref_
#endif
#ifndef _Pre_notnull_
#define _Pre_notnull_
#endif
#ifndef _Pre_maybenull_
#define _Pre_maybenull_
#endif
#ifndef _Pre_null_
#define _Pre_null_
#endif
#ifndef _Pre_valid_
#define _Pre_valid_
#endif
#ifndef _Pre_opt_valid_
#define _Pre_opt_valid_
#endif
#ifndef _Pre_invalid_
#define _Pre_invalid_
#endif
#ifndef _Pre_unknown_
#define _Pre_unknown_
#endif
#ifndef _Pre_z_
#define _Pre_z_
#endif
#ifndef _Pre_opt_z_
#define _Pre_opt_z_
#endif
#ifndef _Pre_readonly_
#define _Pre_readonly_
#endif
#ifndef _Pre_writeonly_
#define _Pre_writeonly_
#endif
#ifndef _Post_notnull_
#define _Post_notnull_
#endif
#ifndef _Post_maybenull_
#define _Post_maybenull_
#endif
#ifndef _Post_null_
#define _Post_null_
#endif
#ifndef _Post_valid_
#define _Post_valid_
#endif
#ifndef _Post_invalid_
#define _Post_invalid_
#endif
#ifndef _Post_ptr_invalid_
#define _Post_ptr_invalid_
#endif
#ifndef _Post_z_
#define _Post_z_
#endif
#ifndef _Post_maybez_
#define _Post_maybez_
#endif
#ifndef _Prepost_z_
#define _Prepost_z_
#endif
#ifndef _Prepost_opt_z_
#define _Prepost_opt_z_
#endif
#ifndef _Prepost_valid_
#define _Prepost_valid_
#endif
#ifndef _Prepost_opt_valid_
#define _Prepost_opt_valid_
#endif
#ifndef _Pre_readable_size_
#define _Pre_readable_size_(s)
#endif
#ifndef _Pre_writable_size_
#define _Pre_writable_size_(s)
#endif
#ifndef _Pre_readable_byte_size_
#define _Pre_readable_byte_size_(s)
#endif
#ifndef _Pre_writable_byte_size_
#define _Pre_writable_byte_size_(s)
#endif
#ifndef _Post_readable_size_
#define _Post_readable_size_(s)
#endif
#ifndef _Post_writable_size_
#define _Post_writable_size_(s)
#endif
#ifndef _Post_readable_byte_size_
#define _Post_readable_byte_size_(s)
#endif
#ifndef _Post_writable_byte_size_
#define _Post_writable_byte_size_(s)
#endif
#ifndef _Readable_bytes_
#define _Readable_bytes_(s)
#endif
#ifndef _Readable_elements_
#define _Readable_elements_(s)
#endif
#ifndef _Writable_bytes_
#define _Writable_bytes_(s)
#endif
#ifndef _Writable_elements_
#define _Writable_elements_(s)
#endif
#ifndef _Pre_range_
#define _Pre_range_(lb, ub)
#endif
#ifndef _Post_range_
#define _Post_range_(lb, ub)
#endif
#ifndef _Deref_pre_range_
#define _Deref_pre_range_(lb, ub)
#endif
#ifndef _Deref_post_range_
#define _Deref_post_range_(lb, ub)
#endif

/* ---- Dereferenced pointers (SAL 1.5 style) ---- */
#ifndef _Deref_out_
#define _Deref_out_
#endif
#ifndef _Deref_out_opt_
#define _Deref_out_opt_
#endif
#ifndef _Deref_opt_out_
#define _Deref_opt_out_
#endif
#ifndef _Deref_opt_out_opt_
#define _Deref_opt_out_opt_
#endif
#ifndef _Deref_out_z_
#define _Deref_out_z_
#endif
#ifndef _Deref_opt_out_z_
#define _Deref_opt_out_z_
#endif
#ifndef _Deref_inout_z_
#define _Deref_inout_z_
#endif
#ifndef _Deref_pre_z_
#define _Deref_pre_z_
#endif
#ifndef _Deref_pre_opt_z_
#define _Deref_pre_opt_z_
#endif
#ifndef _Deref_post_z_
#define _Deref_post_z_
#endif
#ifndef _Deref_post_opt_z_
#define _Deref_post_opt_z_
#endif
#ifndef _Deref_prepost_z_
#define _Deref_prepost_z_
#endif
#ifndef _Deref_prepost_opt_z_
#define _Deref_prepost_opt_z_
#endif
#ifndef _Deref_pre_valid_
#define _Deref_pre_valid_
#endif
#ifndef _Deref_pre_opt_valid_
#define _Deref_pre_opt_valid_
#endif
#ifndef _Deref_pre_invalid_
#define _Deref_pre_invalid_
#endif
#ifndef _Deref_pre_notnull_
#define _Deref_pre_notnull_
#endif
#ifndef _Deref_pre_maybenull_
#define _Deref_pre_maybenull_
#endif
#ifndef _Deref_pre_null_
#define _Deref_pre_null_
#endif
#ifndef _Deref_pre_readonly_
#define _Deref_pre_readonly_
#endif
#ifndef _Deref_pre_writeonly_
#define _Deref_pre_writeonly_
#endif
#ifndef _Deref_post_valid_
#define _Deref_post_valid_
#endif
#ifndef _Deref_post_opt_valid_
#define _Deref_post_opt_valid_
#endif
#ifndef _Deref_post_notnull_
#define _Deref_post_notnull_
#endif
#ifndef _Deref_post_maybenull_
#define _Deref_post_maybenull_
#endif
#ifndef _Deref_post_null_
#define _Deref_post_null_
#endif
#ifndef _Deref_prepost_valid_
#define _Deref_prepost_valid_
#endif
#ifndef _Deref_prepost_opt_valid_
#define _Deref_prepost_opt_valid_
#endif
#ifndef _Deref_ret_z_
#define _Deref_ret_z_
#endif
#ifndef _Deref_ret_opt_z_
#define _Deref_ret_opt_z_
#endif
#ifndef _Deref2_pre_readonly_
#define _Deref2_pre_readonly_
#endif
#ifndef _In_bound_
#define _In_bound_
#endif
#ifndef _Out_bound_
#define _Out_bound_
#endif
#ifndef _Ret_bound_
#define _Ret_bound_
#endif
#ifndef _Deref_in_bound_
#define _Deref_in_bound_
#endif
#ifndef _Deref_out_bound_
#define _Deref_out_bound_
#endif
#ifndef _Deref_inout_bound_
#define _Deref_inout_bound_
#endif
#ifndef _Deref_ret_bound_
#define _Deref_ret_bound_
#endif

/* ---- Legacy SAL 1.5 buffer sizes (count/cap spellings) ---- */
#ifndef _In_count_
#define _In_count_(s)
#endif
#ifndef _In_opt_count_
#define _In_opt_count_(s)
#endif
#ifndef _In_bytecount_
#define _In_bytecount_(s)
#endif
#ifndef _In_opt_bytecount_
#define _In_opt_bytecount_(s)
#endif
#ifndef _In_count_c_
#define _In_count_c_(s)
#endif
#ifndef _In_opt_count_c_
#define _In_opt_count_c_(s)
#endif
#ifndef _In_bytecount_c_
#define _In_bytecount_c_(s)
#endif
#ifndef _In_opt_bytecount_c_
#define _In_opt_bytecount_c_(s)
#endif
#ifndef _In_count_x_
#define _In_count_x_(s)
#endif
#ifndef _In_opt_count_x_
#define _In_opt_count_x_(s)
#endif
#ifndef _In_bytecount_x_
#define _In_bytecount_x_(s)
#endif
#ifndef _In_opt_bytecount_x_
#define _In_opt_bytecount_x_(s)
#endif
#ifndef _In_z_count_
#define _In_z_count_(s)
#endif
#ifndef _In_opt_z_count_
#define _In_opt_z_count_(s)
#endif
#ifndef _In_z_bytecount_
#define _In_z_bytecount_(s)
#endif
#ifndef _In_opt_z_bytecount_
#define _In_opt_z_bytecount_(s)
#endif
#ifndef _In_z_count_c_
#define _In_z_count_c_(s)
#endif
#ifndef _In_opt_z_count_c_
#define _In_opt_z_count_c_(s)
#endif
#ifndef _In_z_bytecount_c_
#define _In_z_bytecount_c_(s)
#endif
#ifndef _In_opt_z_bytecount_c_
#define _In_opt_z_bytecount_c_(s)
#endif
#ifndef _In_ptrdiff_count_
#define _In_ptrdiff_count_(p)
#endif
#ifndef _In_opt_ptrdiff_count_
#define _In_opt_ptrdiff_count_(p)
#endif
#ifndef _Out_cap_
#define _Out_cap_(s)
#endif
#ifndef _Out_opt_cap_
#define _Out_opt_cap_(s)
#endif
#ifndef _Out_bytecap_
#define _Out_bytecap_(s)
#endif
#ifndef _Out_opt_bytecap_
#define _Out_opt_bytecap_(s)
#endif
#ifndef _Out_cap_c_
#define _Out_cap_c_(s)
#endif
#ifndef _Out_opt_cap_c_
#define _Out_opt_cap_c_(s)
#endif
#ifndef _Out_bytecap_c_
#define _Out_bytecap_c_(s)
#endif
#ifndef _Out_opt_bytecap_c_
#define _Out_opt_bytecap_c_(s)
#endif
#ifndef _Out_cap_x_
#define _Out_cap_x_(s)
#endif
#ifndef _Out_opt_cap_x_
#define _Out_opt_cap_x_(s)
#endif
#ifndef _Out_bytecap_x_
#define _Out_bytecap_x_(s)
#endif
#ifndef _Out_opt_bytecap_x_
#define _Out_opt_bytecap_x_(s)
#endif
#ifndef _Out_cap_m_
#define _Out_cap_m_(m, s)
#endif
#ifndef _Out_opt_cap_m_
#define _Out_opt_cap_m_(m, s)
#endif
#ifndef _Out_z_cap_m_
#define _Out_z_cap_m_(m, s)
#endif
#ifndef _Out_opt_z_cap_m_
#define _Out_opt_z_cap_m_(m, s)
#endif
#ifndef _Out_ptrdiff_cap_
#define _Out_ptrdiff_cap_(p)
#endif
#ifndef _Out_opt_ptrdiff_cap_
#define _Out_opt_ptrdiff_cap_(p)
#endif
#ifndef _Out_z_cap_
#define _Out_z_cap_(s)
#endif
#ifndef _Out_opt_z_cap_
#define _Out_opt_z_cap_(s)
#endif
#ifndef _Out_z_bytecap_
#define _Out_z_bytecap_(s)
#endif
#ifndef _Out_opt_z_bytecap_
#define _Out_opt_z_bytecap_(s)
#endif
#ifndef _Out_z_cap_c_
#define _Out_z_cap_c_(s)
#endif
#ifndef _Out_opt_z_cap_c_
#define _Out_opt_z_cap_c_(s)
#endif
#ifndef _Out_z_bytecap_c_
#define _Out_z_bytecap_c_(s)
#endif
#ifndef _Out_opt_z_bytecap_c_
#define _Out_opt_z_bytecap_c_(s)
#endif
#ifndef _Out_z_cap_x_
#define _Out_z_cap_x_(s)
#endif
#ifndef _Out_opt_z_cap_x_
#define _Out_opt_z_cap_x_(s)
#endif
#ifndef _Out_z_bytecap_x_
#define _Out_z_bytecap_x_(s)
#endif
#ifndef _Out_opt_z_bytecap_x_
#define _Out_opt_z_bytecap_x_(s)
#endif
#ifndef _Out_cap_post_count_
#define _Out_cap_post_count_(c, n)
#endif
#ifndef _Out_opt_cap_post_count_
#define _Out_opt_cap_post_count_(c, n)
#endif
#ifndef _Out_bytecap_post_bytecount_
#define _Out_bytecap_post_bytecount_(c, n)
#endif
#ifndef _Out_opt_bytecap_post_bytecount_
#define _Out_opt_bytecap_post_bytecount_(c, n)
#endif
#ifndef _Out_z_cap_post_count_
#define _Out_z_cap_post_count_(c, n)
#endif
#ifndef _Out_opt_z_cap_post_count_
#define _Out_opt_z_cap_post_count_(c, n)
#endif
#ifndef _Out_z_bytecap_post_bytecount_
#define _Out_z_bytecap_post_bytecount_(c, n)
#endif
#ifndef _Out_opt_z_bytecap_post_bytecount_
#define _Out_opt_z_bytecap_post_bytecount_(c, n)
#endif
#ifndef _Out_capcount_
#define _Out_capcount_(c)
#endif
#ifndef _Out_opt_capcount_
#define _Out_opt_capcount_(c)
#endif
#ifndef _Out_bytecapcount_
#define _Out_bytecapcount_(c)
#endif
#ifndef _Out_opt_bytecapcount_
#define _Out_opt_bytecapcount_(c)
#endif
#ifndef _Out_capcount_x_
#define _Out_capcount_x_(c)
#endif
#ifndef _Out_opt_capcount_x_
#define _Out_opt_capcount_x_(c)
#endif
#ifndef _Out_bytecapcount_x_
#define _Out_bytecapcount_x_(c)
#endif
#ifndef _Out_opt_bytecapcount_x_
#define _Out_opt_bytecapcount_x_(c)
#endif
#ifndef _Out_z_capcount_
#define _Out_z_capcount_(c)
#endif
#ifndef _Out_opt_z_capcount_
#define _Out_opt_z_capcount_(c)
#endif
#ifndef _Out_z_bytecapcount_
#define _Out_z_bytecapcount_(c)
#endif
#ifndef _Out_opt_z_bytecapcount_
#define _Out_opt_z_bytecapcount_(c)
#endif
#ifndef _Inout_count_
#define _Inout_count_(s)
#endif
#ifndef _Inout_opt_count_
#define _Inout_opt_count_(s)
#endif
#ifndef _Inout_bytecount_
#define _Inout_bytecount_(s)
#endif
#ifndef _Inout_opt_bytecount_
#define _Inout_opt_bytecount_(s)
#endif
#ifndef _Inout_count_c_
#define _Inout_count_c_(s)
#endif
#ifndef _Inout_opt_count_c_
#define _Inout_opt_count_c_(s)
#endif
#ifndef _Inout_bytecount_c_
#define _Inout_bytecount_c_(s)
#endif
#ifndef _Inout_opt_bytecount_c_
#define _Inout_opt_bytecount_c_(s)
#endif
#ifndef _Inout_count_x_
#define _Inout_count_x_(s)
#endif
#ifndef _Inout_opt_count_x_
#define _Inout_opt_count_x_(s)
#endif
#ifndef _Inout_bytecount_x_
#define _Inout_bytecount_x_(s)
#endif
#ifndef _Inout_opt_bytecount_x_
#define _Inout_opt_bytecount_x_(s)
#endif
#ifndef _Inout_ptrdiff_count_
#define _Inout_ptrdiff_count_(p)
#endif
#ifndef _Inout_opt_ptrdiff_count_
#define _Inout_opt_ptrdiff_count_(p)
#endif
#ifndef _Inout_cap_
#define _Inout_cap_(s)
#endif
#ifndef _Inout_opt_cap_
#define _Inout_opt_cap_(s)
#endif
#ifndef _Inout_bytecap_
#define _Inout_bytecap_(s)
#endif
#ifndef _Inout_opt_bytecap_
#define _Inout_opt_bytecap_(s)
#endif
#ifndef _Inout_cap_c_
#define _Inout_cap_c_(s)
#endif
#ifndef _Inout_opt_cap_c_
#define _Inout_opt_cap_c_(s)
#endif
#ifndef _Inout_bytecap_c_
#define _Inout_bytecap_c_(s)
#endif
#ifndef _Inout_opt_bytecap_c_
#define _Inout_opt_bytecap_c_(s)
#endif
#ifndef _Inout_cap_x_
#define _Inout_cap_x_(s)
#endif
#ifndef _Inout_opt_cap_x_
#define _Inout_opt_cap_x_(s)
#endif
#ifndef _Inout_bytecap_x_
#define _Inout_bytecap_x_(s)
#endif
#ifndef _Inout_opt_bytecap_x_
#define _Inout_opt_bytecap_x_(s)
#endif
#ifndef _Inout_z_cap_
#define _Inout_z_cap_(s)
#endif
#ifndef _Inout_opt_z_cap_
#define _Inout_opt_z_cap_(s)
#endif
#ifndef _Inout_z_bytecap_
#define _Inout_z_bytecap_(s)
#endif
#ifndef _Inout_opt_z_bytecap_
#define _Inout_opt_z_bytecap_(s)
#endif
#ifndef _Inout_z_cap_c_
#define _Inout_z_cap_c_(s)
#endif
#ifndef _Inout_opt_z_cap_c_
#define _Inout_opt_z_cap_c_(s)
#endif
#ifndef _Inout_z_bytecap_c_
#define _Inout_z_bytecap_c_(s)
#endif
#ifndef _Inout_opt_z_bytecap_c_
#define _Inout_opt_z_bytecap_c_(s)
#endif
#ifndef _Inout_z_cap_x_
#define _Inout_z_cap_x_(s)
#endif
#ifndef _Inout_opt_z_cap_x_
#define _Inout_opt_z_cap_x_(s)
#endif
#ifndef _Inout_z_bytecap_x_
#define _Inout_z_bytecap_x_(s)
#endif
#ifndef _Inout_opt_z_bytecap_x_
#define _Inout_opt_z_bytecap_x_(s)
#endif
#ifndef _Inout_z_count_
#define _Inout_z_count_(s)
#endif
#ifndef _Inout_opt_z_count_
#define _Inout_opt_z_count_(s)
#endif
#ifndef _Inout_z_bytecount_
#define _Inout_z_bytecount_(s)
#endif
#ifndef _Inout_opt_z_bytecount_
#define _Inout_opt_z_bytecount_(s)
#endif
#ifndef _Inout_z_count_c_
#define _Inout_z_count_c_(s)
#endif
#ifndef _Inout_opt_z_count_c_
#define _Inout_opt_z_count_c_(s)
#endif
#ifndef _Inout_z_bytecount_c_
#define _Inout_z_bytecount_c_(s)
#endif
#ifndef _Inout_opt_z_bytecount_c_
#define _Inout_opt_z_bytecount_c_(s)
#endif
#ifndef _Deref_out_cap_
#define _Deref_out_cap_(s)
#endif
#ifndef _Deref_out_opt_cap_
#define _Deref_out_opt_cap_(s)
#endif
#ifndef _Deref_opt_out_cap_
#define _Deref_opt_out_cap_(s)
#endif
#ifndef _Deref_out_bytecap_
#define _Deref_out_bytecap_(s)
#endif
#ifndef _Deref_out_opt_bytecap_
#define _Deref_out_opt_bytecap_(s)
#endif
#ifndef _Deref_opt_out_bytecap_
#define _Deref_opt_out_bytecap_(s)
#endif
#ifndef _Deref_out_z_cap_
#define _Deref_out_z_cap_(s)
#endif
#ifndef _Deref_out_z_bytecap_
#define _Deref_out_z_bytecap_(s)
#endif
#ifndef _Deref_out_count_
#define _Deref_out_count_(s)
#endif
#ifndef _Deref_out_bytecount_
#define _Deref_out_bytecount_(s)
#endif
#ifndef _Deref_out_opt_count_
#define _Deref_out_opt_count_(s)
#endif
#ifndef _Deref_opt_out_count_
#define _Deref_opt_out_count_(s)
#endif
#ifndef _Deref_out_opt_bytecount_
#define _Deref_out_opt_bytecount_(s)
#endif
#ifndef _Deref_opt_out_bytecount_
#define _Deref_opt_out_bytecount_(s)
#endif
#ifndef _Deref_pre_cap_
#define _Deref_pre_cap_(s)
#endif
#ifndef _Deref_pre_bytecap_
#define _Deref_pre_bytecap_(s)
#endif
#ifndef _Deref_pre_count_
#define _Deref_pre_count_(s)
#endif
#ifndef _Deref_pre_bytecount_
#define _Deref_pre_bytecount_(s)
#endif
#ifndef _Deref_post_cap_
#define _Deref_post_cap_(s)
#endif
#ifndef _Deref_post_bytecap_
#define _Deref_post_bytecap_(s)
#endif
#ifndef _Deref_post_count_
#define _Deref_post_count_(s)
#endif
#ifndef _Deref_post_bytecount_
#define _Deref_post_bytecount_(s)
#endif
#ifndef _Pre_cap_
#define _Pre_cap_(s)
#endif
#ifndef _Pre_opt_cap_
#define _Pre_opt_cap_(s)
#endif
#ifndef _Pre_bytecap_
#define _Pre_bytecap_(s)
#endif
#ifndef _Pre_opt_bytecap_
#define _Pre_opt_bytecap_(s)
#endif
#ifndef _Pre_count_
#define _Pre_count_(s)
#endif
#ifndef _Pre_opt_count_
#define _Pre_opt_count_(s)
#endif
#ifndef _Pre_bytecount_
#define _Pre_bytecount_(s)
#endif
#ifndef _Pre_opt_bytecount_
#define _Pre_opt_bytecount_(s)
#endif
#ifndef _Pre_z_cap_
#define _Pre_z_cap_(s)
#endif
#ifndef _Pre_z_bytecap_
#define _Pre_z_bytecap_(s)
#endif
#ifndef _Post_cap_
#define _Post_cap_(s)
#endif
#ifndef _Post_bytecap_
#define _Post_bytecap_(s)
#endif
#ifndef _Post_count_
#define _Post_count_(s)
#endif
#ifndef _Post_bytecount_
#define _Post_bytecount_(s)
#endif
#ifndef _Post_count_c_
#define _Post_count_c_(s)
#endif
#ifndef _Post_bytecount_c_
#define _Post_bytecount_c_(s)
#endif
#ifndef _Post_count_x_
#define _Post_count_x_(s)
#endif
#ifndef _Post_bytecount_x_
#define _Post_bytecount_x_(s)
#endif
#ifndef _Post_z_count_
#define _Post_z_count_(s)
#endif
#ifndef _Post_z_bytecount_
#define _Post_z_bytecount_(s)
#endif
#ifndef _Prepost_count_
#define _Prepost_count_(s)
#endif
#ifndef _Prepost_opt_count_
#define _Prepost_opt_count_(s)
#endif
#ifndef _Prepost_bytecount_
#define _Prepost_bytecount_(s)
#endif
#ifndef _Prepost_opt_bytecount_
#define _Prepost_opt_bytecount_(s)
#endif
#ifndef _Ret_cap_
#define _Ret_cap_(s)
#endif
#ifndef _Ret_bytecap_
#define _Ret_bytecap_(s)
#endif
#ifndef _Ret_count_
#define _Ret_count_(s)
#endif
#ifndef _Ret_bytecount_
#define _Ret_bytecount_(s)
#endif
#ifndef _Ret_opt_cap_
#define _Ret_opt_cap_(s)
#endif
#ifndef _Ret_opt_bytecap_
#define _Ret_opt_bytecap_(s)
#endif
#ifndef _Ret_opt_count_
#define _Ret_opt_count_(s)
#endif
#ifndef _Ret_opt_bytecount_
#define _Ret_opt_bytecount_(s)
#endif
#ifndef _Ret_z_cap_
#define _Ret_z_cap_(s)
#endif
#ifndef _Ret_opt_z_cap_
#define _Ret_opt_z_cap_(s)
#endif

/* ---- Strings, formats and literals ---- */
#ifndef _Null_terminated_
#define _Null_terminated_
#endif
#ifndef _NullNull_terminated_
#define _NullNull_terminated_
#endif
#ifndef _Printf_format_string_
#define _Printf_format_string_
#endif
#ifndef _Scanf_format_string_
#define _Scanf_format_string_
#endif
#ifndef _Scanf_s_format_string_
#define _Scanf_s_format_string_
#endif
#ifndef _Printf_format_string_params_
#define _Printf_format_string_params_(n)
#endif
#ifndef _Scanf_format_string_params_
#define _Scanf_format_string_params_(n)
#endif
#ifndef _Scanf_s_format_string_params_
#define _Scanf_s_format_string_params_(n)
#endif
#ifndef _Literal_
#define _Literal_
#endif
#ifndef _Notliteral_
#define _Notliteral_
#endif
#ifndef _Const_
#define _Const_
#endif
#ifndef _Reserved_
#define _Reserved_
#endif
#ifndef _Strict_type_match_
#define _Strict_type_match_
#endif
#ifndef _Points_to_data_
#define _Points_to_data_
#endif
#ifndef _Interlocked_operand_
#define _Interlocked_operand_
#endif

/* ---- Memory ownership, exceptions and analysis control ---- */
#ifndef _Frees_ptr_
#define _Frees_ptr_
#endif
#ifndef _Frees_ptr_opt_
#define _Frees_ptr_opt_
#endif
#ifndef _Raises_SEH_exception_
#define _Raises_SEH_exception_
#endif
#ifndef _Maybe_raises_SEH_exception_
#define _Maybe_raises_SEH_exception_
#endif
#ifndef _Analysis_assume_
#define _Analysis_assume_(expr)
#endif
#ifndef _Analysis_assume_nullterminated_
#define _Analysis_assume_nullterminated_(p)
#endif
#ifndef _Analysis_mode_
#define _Analysis_mode_(mode)
#endif
#ifndef _Analysis_noreturn_
#define _Analysis_noreturn_
#endif
#ifndef _Function_class_
#define _Function_class_(name)
#endif
#ifndef _Called_from_function_class_
#define _Called_from_function_class_(name)
#endif
#ifndef _Enum_is_bitflag_
#define _Enum_is_bitflag_
#endif
#ifndef _Kernel_entry_
#define _Kernel_entry_
#endif
#ifndef _Kernel_entry_always_
#define _Kernel_entry_always_
#endif

/* ---- Concurrency (concurrencysal.h) ---- */
#ifndef _Guarded_by_
#define _Guarded_by_(lock)
#endif
#ifndef _Write_guarded_by_
#define _Write_guarded_by_(lock)
#endif
#ifndef _Interlocked_
#define _Interlocked_
#endif
#ifndef _Requires_lock_held_
#define _Requires_lock_held_(lock)
#endif
#ifndef _Requires_exclusive_lock_held_
#define _Requires_exclusive_lock_held_(lock)
#endif
#ifndef _Requires_shared_lock_held_
#define _Requires_shared_lock_held_(lock)
#endif
#ifndef _Requires_lock_not_held_
#define _Requires_lock_not_held_(lock)
#endif
#ifndef _Requires_no_locks_held_
#define _Requires_no_locks_held_
#endif
#ifndef _Acquires_lock_
#define _Acquires_lock_(lock)
#endif
#ifndef _Acquires_exclusive_lock_
#define _Acquires_exclusive_lock_(lock)
#endif
#ifndef _Acquires_shared_lock_
#define _Acquires_shared_lock_(lock)
#endif
#ifndef _Acquires_nonreentrant_lock_
#define _Acquires_nonreentrant_lock_(lock)
#endif
#ifndef _Releases_lock_
#define _Releases_lock_(lock)
#endif
#ifndef _Releases_exclusive_lock_
#define _Releases_exclusive_lock_(lock)
#endif
#ifndef _Releases_shared_lock_
#define _Releases_shared_lock_(lock)
#endif
#ifndef _Releases_nonreentrant_lock_
#define _Releases_nonreentrant_lock_(lock)
#endif
#ifndef _Post_same_lock_
#define _Post_same_lock_(a, b)
#endif
#ifndef _Create_lock_level_
#define _Create_lock_level_(level)
#endif
#ifndef _Has_lock_kind_
#define _Has_lock_kind_(kind)
#endif
#ifndef _Has_lock_level_
#define _Has_lock_level_(level)
#endif
#ifndef _Lock_level_order_
#define _Lock_level_order_(a, b)
#endif
#ifndef _Lock_kind_mutex_
#define _Lock_kind_mutex_
#endif
#ifndef _Lock_kind_event_
#define _Lock_kind_event_
#endif
#ifndef _Lock_kind_semaphore_
#define _Lock_kind_semaphore_
#endif
#ifndef _Lock_kind_spin_lock_
#define _Lock_kind_spin_lock_
#endif
#ifndef _Lock_kind_critical_section_
#define _Lock_kind_critical_section_
#endif
#ifndef _Analysis_assume_lock_acquired_
#define _Analysis_assume_lock_acquired_(lock)
#endif
#ifndef _Analysis_assume_lock_released_
#define _Analysis_assume_lock_released_(lock)
#endif
#ifndef _Analysis_assume_lock_held_
#define _Analysis_assume_lock_held_(lock)
#endif
#ifndef _Analysis_assume_lock_not_held_
#define _Analysis_assume_lock_not_held_(lock)
#endif
#ifndef _Analysis_assume_same_lock_
#define _Analysis_assume_same_lock_(a, b)
#endif
#ifndef _Function_ignore_lock_checking_
#define _Function_ignore_lock_checking_(lock)
#endif
#ifndef _Analysis_suppress_lock_checking_
#define _Analysis_suppress_lock_checking_(lock)
#endif
#ifndef _Benign_race_begin_
#define _Benign_race_begin_
#endif
#ifndef _Benign_race_end_
#define _Benign_race_end_
#endif
#ifndef _No_competing_thread_
#define _No_competing_thread_
#endif
#ifndef _No_competing_thread_begin_
#define _No_competing_thread_begin_
#endif
#ifndef _No_competing_thread_end_
#define _No_competing_thread_end_
#endif
#ifndef _Global_cancel_spin_lock_
#define _Global_cancel_spin_lock_
#endif
#ifndef _Global_critical_region_
#define _Global_critical_region_
#endif
#ifndef _Global_interlock_
#define _Global_interlock_
#endif
#ifndef _Global_priority_region_
#define _Global_priority_region_
#endif

/* ---- Driver annotations (driverspecs.h): IRQL ---- */
#ifndef _IRQL_requires_
#define _IRQL_requires_(irql)
#endif
#ifndef _IRQL_requires_max_
#define _IRQL_requires_max_(irql)
#endif
#ifndef _IRQL_requires_min_
#define _IRQL_requires_min_(irql)
#endif
#ifndef _IRQL_raises_
#define _IRQL_raises_(irql)
#endif
#ifndef _IRQL_saves_
#define _IRQL_saves_
#endif
#ifndef _IRQL_restores_
#define _IRQL_restores_
#endif
#ifndef _IRQL_saves_global_
#define _IRQL_saves_global_(kind, param)
#endif
#ifndef _IRQL_restores_global_
#define _IRQL_restores_global_(kind, param)
#endif
#ifndef _IRQL_always_function_max_
#define _IRQL_always_function_max_(irql)
#endif
#ifndef _IRQL_always_function_min_
#define _IRQL_always_function_min_(irql)
#endif
#ifndef _IRQL_requires_same_
#define _IRQL_requires_same_
#endif
#ifndef _IRQL_uses_cancel_
#define _IRQL_uses_cancel_
#endif
#ifndef _IRQL_is_cancel_
#define _IRQL_is_cancel_
#endif
#ifndef __drv_maxIRQL
#define __drv_maxIRQL(irql)
#endif
#ifndef __drv_minIRQL
#define __drv_minIRQL(irql)
#endif
#ifndef __drv_setsIRQL
#define __drv_setsIRQL(irql)
#endif
#ifndef __drv_raisesIRQL
#define __drv_raisesIRQL(irql)
#endif
#ifndef __drv_requiresIRQL
#define __drv_requiresIRQL(irql)
#endif
#ifndef __drv_savesIRQL
#define __drv_savesIRQL
#endif
#ifndef __drv_restoresIRQL
#define __drv_restoresIRQL
#endif
#ifndef __drv_savesIRQLGlobal
#define __drv_savesIRQLGlobal(kind, param)
#endif
#ifndef __drv_restoresIRQLGlobal
#define __drv_restoresIRQLGlobal(kind, param)
#endif
#ifndef __drv_sameIRQL
#define __drv_sameIRQL
#endif
#ifndef __drv_useCancelIRQL
#define __drv_useCancelIRQL
#endif
#ifndef __drv_isCancelIRQL
#define __drv_isCancelIRQL
#endif
#ifndef __drv_maxFunctionIRQL
#define __drv_maxFunctionIRQL(irql)
#endif
#ifndef __drv_minFunctionIRQL
#define __drv_minFunctionIRQL(irql)
#endif

/* ---- Driver annotations: floating point, resources and locks ---- */
#ifndef _Kernel_float_saved_
#define _Kernel_float_saved_
#endif
#ifndef _Kernel_float_restored_
#define _Kernel_float_restored_
#endif
#ifndef _Kernel_float_used_
#define _Kernel_float_used_
#endif
#ifndef __drv_floatSaved
#define __drv_floatSaved
#endif
#ifndef __drv_floatRestored
#define __drv_floatRestored
#endif
#ifndef __drv_floatUsed
#define __drv_floatUsed
#endif
#ifndef _Kernel_requires_resource_held_
#define _Kernel_requires_resource_held_(kind)
#endif
#ifndef _Kernel_requires_resource_not_held_
#define _Kernel_requires_resource_not_held_(kind)
#endif
#ifndef _Kernel_acquires_resource_
#define _Kernel_acquires_resource_(kind)
#endif
#ifndef _Kernel_releases_resource_
#define _Kernel_releases_resource_(kind)
#endif
#ifndef __drv_acquiresResource
#define __drv_acquiresResource(kind)
#endif
#ifndef __drv_releasesResource
#define __drv_releasesResource(kind)
#endif
#ifndef __drv_mustHold
#define __drv_mustHold(kind)
#endif
#ifndef __drv_neverHold
#define __drv_neverHold(kind)
#endif
#ifndef __drv_acquiresResourceGlobal
#define __drv_acquiresResourceGlobal(kind, param)
#endif
#ifndef __drv_releasesResourceGlobal
#define __drv_releasesResourceGlobal(kind, param)
#endif
#ifndef __drv_mustHoldGlobal
#define __drv_mustHoldGlobal(kind, param)
#endif
#ifndef __drv_neverHoldGlobal
#define __drv_neverHoldGlobal(kind, param)
#endif
#ifndef __drv_acquiresExclusiveResource
#define __drv_acquiresExclusiveResource(kind)
#endif
#ifndef __drv_releasesExclusiveResource
#define __drv_releasesExclusiveResource(kind)
#endif
#ifndef __drv_acquiresExclusiveResourceGlobal
#define __drv_acquiresExclusiveResourceGlobal(kind, param)
#endif
#ifndef __drv_releasesExclusiveResourceGlobal
#define __drv_releasesExclusiveResourceGlobal(kind, param)
#endif
#ifndef __drv_innerAcquiresGlobal
#define __drv_innerAcquiresGlobal(kind, param)
#endif
#ifndef __drv_innerReleasesGlobal
#define __drv_innerReleasesGlobal(kind, param)
#endif
#ifndef __drv_innerMustHoldGlobal
#define __drv_innerMustHoldGlobal(kind, param)
#endif
#ifndef __drv_innerNeverHoldGlobal
#define __drv_innerNeverHoldGlobal(kind, param)
#endif
#ifndef __drv_acquiresCriticalRegion
#define __drv_acquiresCriticalRegion
#endif
#ifndef __drv_releasesCriticalRegion
#define __drv_releasesCriticalRegion
#endif
#ifndef __drv_mustHoldCriticalRegion
#define __drv_mustHoldCriticalRegion
#endif
#ifndef __drv_neverHoldCriticalRegion
#define __drv_neverHoldCriticalRegion
#endif
#ifndef __drv_acquiresPriorityRegion
#define __drv_acquiresPriorityRegion
#endif
#ifndef __drv_releasesPriorityRegion
#define __drv_releasesPriorityRegion
#endif
#ifndef __drv_mustHoldPriorityRegion
#define __drv_mustHoldPriorityRegion
#endif
#ifndef __drv_neverHoldPriorityRegion
#define __drv_neverHoldPriorityRegion
#endif
#ifndef __drv_acquiresCancelSpinLock
#define __drv_acquiresCancelSpinLock
#endif
#ifndef __drv_releasesCancelSpinLock
#define __drv_releasesCancelSpinLock
#endif
#ifndef __drv_mustHoldCancelSpinLock
#define __drv_mustHoldCancelSpinLock
#endif
#ifndef __drv_neverHoldCancelSpinLock
#define __drv_neverHoldCancelSpinLock
#endif

/* ---- Driver annotations: memory, dispatch routines and callbacks ---- */
#ifndef __drv_allocatesMem
#define __drv_allocatesMem(kind)
#endif
#ifndef __drv_freesMem
#define __drv_freesMem(kind)
#endif
#ifndef __drv_aliasesMem
#define __drv_aliasesMem
#endif
#ifndef _Dispatch_type_
#define _Dispatch_type_(type)
#endif
#ifndef __drv_dispatchType
#define __drv_dispatchType(type)
#endif
#ifndef __drv_dispatchType_other
#define __drv_dispatchType_other
#endif
#ifndef __drv_functionClass
#define __drv_functionClass(name)
#endif
#ifndef __drv_completionType
#define __drv_completionType(kinds)
#endif
#ifndef _Kernel_clear_do_init_
#define _Kernel_clear_do_init_(yesno)
#endif
#ifndef __drv_clearDoInit
#define __drv_clearDoInit(yesno)
#endif
#ifndef _Kernel_IoGetDmaAdapter_
#define _Kernel_IoGetDmaAdapter_
#endif
#ifndef __drv_IoGetDmaAdapter
#define __drv_IoGetDmaAdapter
#endif

/* ---- Driver annotations: conditions, arguments and types ---- */
#ifndef __drv_when
#define __drv_when(cond, annos)
#endif
#ifndef __drv_at
#define __drv_at(expr, annos)
#endif
#ifndef __drv_arg
#define __drv_arg(expr, annos)
#endif
#ifndef __drv_fun
#define __drv_fun(annos)
#endif
#ifndef __drv_ret
#define __drv_ret(annos)
#endif
#ifndef __drv_deref
#define __drv_deref(annos)
#endif
#ifndef __drv_in
#define __drv_in(annos)
#endif
#ifndef __drv_out
#define __drv_out(annos)
#endif
#ifndef __drv_in_deref
#define __drv_in_deref(annos)
#endif
#ifndef __drv_out_deref
#define __drv_out_deref(annos)
#endif
#ifndef __drv_valueIs
#define __drv_valueIs(list)
#endif
#ifndef __drv_constant
#define __drv_constant
#endif
#ifndef __drv_nonConstant
#define __drv_nonConstant
#endif
#ifndef __drv_strictType
#define __drv_strictType(type, mode)
#endif
#ifndef __drv_strictTypeMatch
#define __drv_strictTypeMatch(mode)
#endif
#ifndef __drv_typeConst
#define __drv_typeConst
#endif
#ifndef __drv_typeCond
#define __drv_typeCond
#endif
#ifndef __drv_typeBitset
#define __drv_typeBitset
#endif
#ifndef __drv_typeExpr
#define __drv_typeExpr
#endif
#ifndef __drv_isObjectPointer
#define __drv_isObjectPointer
#endif
#ifndef __drv_formatString
#define __drv_formatString(kind)
#endif
#ifndef __drv_preferredFunction
#define __drv_preferredFunction(func, why)
#endif
#ifndef __drv_reportError
#define __drv_reportError(why)
#endif
#ifndef __drv_inTry
#define __drv_inTry
#endif
#ifndef __drv_notInTry
#define __drv_notInTry
#endif
#ifndef __drv_interlocked
#define __drv_interlocked
#endif
#ifndef __internal_kernel_driver
#define __internal_kernel_driver
#endif
#ifndef __kernel_code
#define __kernel_code
#endif
#ifndef __kernel_driver
#define __kernel_driver
#endif
#ifndef __user_code
#define __user_code
#endif
#ifndef __user_driver
#define __user_driver
#endif

/* ---- Legacy SAL 1 (specstrings.h) spellings ---- */
#ifndef __analysis_assume
#define __analysis_assume(expr)
#endif
#ifndef __analysis_assume_nullterminated
#define __analysis_assume_nullterminated(p)
#endif
#ifndef __analysis_noreturn
#define __analysis_noreturn
#endif
#ifndef __bcount
#define __bcount(size)
#endif
#ifndef __bcount_opt
#define __bcount_opt(size)
#endif
#ifndef __blocksOn
#define __blocksOn(resource)
#endif
#ifndef __byte_readableTo
#define __byte_readableTo(size)
#endif
#ifndef __byte_writableTo
#define __byte_writableTo(size)
#endif
#ifndef __callback
#define __callback
#endif
#ifndef __checkReturn
#define __checkReturn
#endif
#ifndef __control_entrypoint
#define __control_entrypoint(category)
#endif
#ifndef __data_entrypoint
#define __data_entrypoint(category)
#endif
#ifndef __deref
#define __deref
#endif
#ifndef __deref_bcount
#define __deref_bcount(size)
#endif
#ifndef __deref_bcount_opt
#define __deref_bcount_opt(size)
#endif
#ifndef __deref_ecount
#define __deref_ecount(size)
#endif
#ifndef __deref_ecount_opt
#define __deref_ecount_opt(size)
#endif
#ifndef __deref_in
#define __deref_in
#endif
#ifndef __deref_in_bcount
#define __deref_in_bcount(size)
#endif
#ifndef __deref_in_bcount_opt
#define __deref_in_bcount_opt(size)
#endif
#ifndef __deref_in_bound
#define __deref_in_bound
#endif
#ifndef __deref_in_ecount
#define __deref_in_ecount(size)
#endif
#ifndef __deref_in_ecount_opt
#define __deref_in_ecount_opt(size)
#endif
#ifndef __deref_in_opt
#define __deref_in_opt
#endif
#ifndef __deref_in_range
#define __deref_in_range(lb, ub)
#endif
#ifndef __deref_inout
#define __deref_inout
#endif
#ifndef __deref_inout_bcount
#define __deref_inout_bcount(size)
#endif
#ifndef __deref_inout_bcount_full
#define __deref_inout_bcount_full(size)
#endif
#ifndef __deref_inout_bcount_full_opt
#define __deref_inout_bcount_full_opt(size)
#endif
#ifndef __deref_inout_bcount_nz
#define __deref_inout_bcount_nz(size)
#endif
#ifndef __deref_inout_bcount_nz_opt
#define __deref_inout_bcount_nz_opt(size)
#endif
#ifndef __deref_inout_bcount_opt
#define __deref_inout_bcount_opt(size)
#endif
#ifndef __deref_inout_bcount_part
#define __deref_inout_bcount_part(size, length)
#endif
#ifndef __deref_inout_bcount_part_opt
#define __deref_inout_bcount_part_opt(size, length)
#endif
#ifndef __deref_inout_bcount_z
#define __deref_inout_bcount_z(size)
#endif
#ifndef __deref_inout_bcount_z_opt
#define __deref_inout_bcount_z_opt(size)
#endif
#ifndef __deref_inout_bound
#define __deref_inout_bound
#endif
#ifndef __deref_inout_ecount
#define __deref_inout_ecount(size)
#endif
#ifndef __deref_inout_ecount_full
#define __deref_inout_ecount_full(size)
#endif
#ifndef __deref_inout_ecount_full_opt
#define __deref_inout_ecount_full_opt(size)
#endif
#ifndef __deref_inout_ecount_nz
#define __deref_inout_ecount_nz(size)
#endif
#ifndef __deref_inout_ecount_nz_opt
#define __deref_inout_ecount_nz_opt(size)
#endif
#ifndef __deref_inout_ecount_opt
#define __deref_inout_ecount_opt(size)
#endif
#ifndef __deref_inout_ecount_part
#define __deref_inout_ecount_part(size, length)
#endif
#ifndef __deref_inout_ecount_part_opt
#define __deref_inout_ecount_part_opt(size, length)
#endif
#ifndef __deref_inout_ecount_z
#define __deref_inout_ecount_z(size)
#endif
#ifndef __deref_inout_ecount_z_opt
#define __deref_inout_ecount_z_opt(size)
#endif
#ifndef __deref_inout_nz
#define __deref_inout_nz
#endif
#ifndef __deref_inout_nz_opt
#define __deref_inout_nz_opt
#endif
#ifndef __deref_inout_opt
#define __deref_inout_opt
#endif
#ifndef __deref_inout_range
#define __deref_inout_range(lb, ub)
#endif
#ifndef __deref_inout_z
#define __deref_inout_z
#endif
#ifndef __deref_inout_z_opt
#define __deref_inout_z_opt
#endif
#ifndef __deref_opt_bcount
#define __deref_opt_bcount(size)
#endif
#ifndef __deref_opt_bcount_opt
#define __deref_opt_bcount_opt(size)
#endif
#ifndef __deref_opt_ecount
#define __deref_opt_ecount(size)
#endif
#ifndef __deref_opt_ecount_opt
#define __deref_opt_ecount_opt(size)
#endif
#ifndef __deref_opt_in
#define __deref_opt_in
#endif
#ifndef __deref_opt_in_bcount
#define __deref_opt_in_bcount(size)
#endif
#ifndef __deref_opt_in_bcount_opt
#define __deref_opt_in_bcount_opt(size)
#endif
#ifndef __deref_opt_in_ecount
#define __deref_opt_in_ecount(size)
#endif
#ifndef __deref_opt_in_ecount_opt
#define __deref_opt_in_ecount_opt(size)
#endif
#ifndef __deref_opt_in_opt
#define __deref_opt_in_opt
#endif
#ifndef __deref_opt_inout
#define __deref_opt_inout
#endif
#ifndef __deref_opt_inout_bcount
#define __deref_opt_inout_bcount(size)
#endif
#ifndef __deref_opt_inout_bcount_full
#define __deref_opt_inout_bcount_full(size)
#endif
#ifndef __deref_opt_inout_bcount_full_opt
#define __deref_opt_inout_bcount_full_opt(size)
#endif
#ifndef __deref_opt_inout_bcount_nz
#define __deref_opt_inout_bcount_nz(size)
#endif
#ifndef __deref_opt_inout_bcount_nz_opt
#define __deref_opt_inout_bcount_nz_opt(size)
#endif
#ifndef __deref_opt_inout_bcount_opt
#define __deref_opt_inout_bcount_opt(size)
#endif
#ifndef __deref_opt_inout_bcount_part
#define __deref_opt_inout_bcount_part(size, length)
#endif
#ifndef __deref_opt_inout_bcount_part_opt
#define __deref_opt_inout_bcount_part_opt(size, length)
#endif
#ifndef __deref_opt_inout_bcount_z
#define __deref_opt_inout_bcount_z(size)
#endif
#ifndef __deref_opt_inout_bcount_z_opt
#define __deref_opt_inout_bcount_z_opt(size)
#endif
#ifndef __deref_opt_inout_ecount
#define __deref_opt_inout_ecount(size)
#endif
#ifndef __deref_opt_inout_ecount_full
#define __deref_opt_inout_ecount_full(size)
#endif
#ifndef __deref_opt_inout_ecount_full_opt
#define __deref_opt_inout_ecount_full_opt(size)
#endif
#ifndef __deref_opt_inout_ecount_nz
#define __deref_opt_inout_ecount_nz(size)
#endif
#ifndef __deref_opt_inout_ecount_nz_opt
#define __deref_opt_inout_ecount_nz_opt(size)
#endif
#ifndef __deref_opt_inout_ecount_opt
#define __deref_opt_inout_ecount_opt(size)
#endif
#ifndef __deref_opt_inout_ecount_part
#define __deref_opt_inout_ecount_part(size, length)
#endif
#ifndef __deref_opt_inout_ecount_part_opt
#define __deref_opt_inout_ecount_part_opt(size, length)
#endif
#ifndef __deref_opt_inout_ecount_z
#define __deref_opt_inout_ecount_z(size)
#endif
#ifndef __deref_opt_inout_ecount_z_opt
#define __deref_opt_inout_ecount_z_opt(size)
#endif
#ifndef __deref_opt_inout_nz
#define __deref_opt_inout_nz
#endif
#ifndef __deref_opt_inout_nz_opt
#define __deref_opt_inout_nz_opt
#endif
#ifndef __deref_opt_inout_opt
#define __deref_opt_inout_opt
#endif
#ifndef __deref_opt_inout_z
#define __deref_opt_inout_z
#endif
#ifndef __deref_opt_inout_z_opt
#define __deref_opt_inout_z_opt
#endif
#ifndef __deref_opt_out
#define __deref_opt_out
#endif
#ifndef __deref_opt_out_bcount
#define __deref_opt_out_bcount(size)
#endif
#ifndef __deref_opt_out_bcount_full
#define __deref_opt_out_bcount_full(size)
#endif
#ifndef __deref_opt_out_bcount_full_opt
#define __deref_opt_out_bcount_full_opt(size)
#endif
#ifndef __deref_opt_out_bcount_nz_opt
#define __deref_opt_out_bcount_nz_opt(size)
#endif
#ifndef __deref_opt_out_bcount_opt
#define __deref_opt_out_bcount_opt(size)
#endif
#ifndef __deref_opt_out_bcount_part
#define __deref_opt_out_bcount_part(size, length)
#endif
#ifndef __deref_opt_out_bcount_part_opt
#define __deref_opt_out_bcount_part_opt(size, length)
#endif
#ifndef __deref_opt_out_bcount_z_opt
#define __deref_opt_out_bcount_z_opt(size)
#endif
#ifndef __deref_opt_out_ecount
#define __deref_opt_out_ecount(size)
#endif
#ifndef __deref_opt_out_ecount_full
#define __deref_opt_out_ecount_full(size)
#endif
#ifndef __deref_opt_out_ecount_full_opt
#define __deref_opt_out_ecount_full_opt(size)
#endif
#ifndef __deref_opt_out_ecount_nz_opt
#define __deref_opt_out_ecount_nz_opt(size)
#endif
#ifndef __deref_opt_out_ecount_opt
#define __deref_opt_out_ecount_opt(size)
#endif
#ifndef __deref_opt_out_ecount_part
#define __deref_opt_out_ecount_part(size, length)
#endif
#ifndef __deref_opt_out_ecount_part_opt
#define __deref_opt_out_ecount_part_opt(size, length)
#endif
#ifndef __deref_opt_out_ecount_z_opt
#define __deref_opt_out_ecount_z_opt(size)
#endif
#ifndef __deref_opt_out_nz_opt
#define __deref_opt_out_nz_opt
#endif
#ifndef __deref_opt_out_opt
#define __deref_opt_out_opt
#endif
#ifndef __deref_opt_out_z
#define __deref_opt_out_z
#endif
#ifndef __deref_opt_out_z_opt
#define __deref_opt_out_z_opt
#endif
#ifndef __deref_out
#define __deref_out
#endif
#ifndef __deref_out_bcount
#define __deref_out_bcount(size)
#endif
#ifndef __deref_out_bcount_full
#define __deref_out_bcount_full(size)
#endif
#ifndef __deref_out_bcount_full_opt
#define __deref_out_bcount_full_opt(size)
#endif
#ifndef __deref_out_bcount_nz
#define __deref_out_bcount_nz(size)
#endif
#ifndef __deref_out_bcount_nz_opt
#define __deref_out_bcount_nz_opt(size)
#endif
#ifndef __deref_out_bcount_opt
#define __deref_out_bcount_opt(size)
#endif
#ifndef __deref_out_bcount_part
#define __deref_out_bcount_part(size, length)
#endif
#ifndef __deref_out_bcount_part_opt
#define __deref_out_bcount_part_opt(size, length)
#endif
#ifndef __deref_out_bcount_z
#define __deref_out_bcount_z(size)
#endif
#ifndef __deref_out_bcount_z_opt
#define __deref_out_bcount_z_opt(size)
#endif
#ifndef __deref_out_bound
#define __deref_out_bound
#endif
#ifndef __deref_out_ecount
#define __deref_out_ecount(size)
#endif
#ifndef __deref_out_ecount_full
#define __deref_out_ecount_full(size)
#endif
#ifndef __deref_out_ecount_full_opt
#define __deref_out_ecount_full_opt(size)
#endif
#ifndef __deref_out_ecount_nz
#define __deref_out_ecount_nz(size)
#endif
#ifndef __deref_out_ecount_nz_opt
#define __deref_out_ecount_nz_opt(size)
#endif
#ifndef __deref_out_ecount_opt
#define __deref_out_ecount_opt(size)
#endif
#ifndef __deref_out_ecount_part
#define __deref_out_ecount_part(size, length)
#endif
#ifndef __deref_out_ecount_part_opt
#define __deref_out_ecount_part_opt(size, length)
#endif
#ifndef __deref_out_ecount_z
#define __deref_out_ecount_z(size)
#endif
#ifndef __deref_out_ecount_z_opt
#define __deref_out_ecount_z_opt(size)
#endif
#ifndef __deref_out_nz
#define __deref_out_nz
#endif
#ifndef __deref_out_nz_opt
#define __deref_out_nz_opt
#endif
#ifndef __deref_out_opt
#define __deref_out_opt
#endif
#ifndef __deref_out_range
#define __deref_out_range(lb, ub)
#endif
#ifndef __deref_out_xcount
#define __deref_out_xcount(s)
#endif
#ifndef __deref_out_xcount_opt
#define __deref_out_xcount_opt(s)
#endif
#ifndef __deref_out_z
#define __deref_out_z
#endif
#ifndef __deref_out_z_opt
#define __deref_out_z_opt
#endif
#ifndef __ecount
#define __ecount(size)
#endif
#ifndef __ecount_opt
#define __ecount_opt(size)
#endif
#ifndef __elem_readableTo
#define __elem_readableTo(size)
#endif
#ifndef __elem_writableTo
#define __elem_writableTo(size)
#endif
#ifndef __encoded_pointer
#define __encoded_pointer
#endif
#ifndef __fallthrough
#define __fallthrough
#endif
#ifndef __field_bcount
#define __field_bcount(s)
#endif
#ifndef __field_bcount_full
#define __field_bcount_full(s)
#endif
#ifndef __field_bcount_full_opt
#define __field_bcount_full_opt(s)
#endif
#ifndef __field_bcount_opt
#define __field_bcount_opt(s)
#endif
#ifndef __field_bcount_part
#define __field_bcount_part(s, c)
#endif
#ifndef __field_bcount_part_opt
#define __field_bcount_part_opt(s, c)
#endif
#ifndef __field_ecount
#define __field_ecount(s)
#endif
#ifndef __field_ecount_full
#define __field_ecount_full(s)
#endif
#ifndef __field_ecount_full_opt
#define __field_ecount_full_opt(s)
#endif
#ifndef __field_ecount_opt
#define __field_ecount_opt(s)
#endif
#ifndef __field_ecount_part
#define __field_ecount_part(s, c)
#endif
#ifndef __field_ecount_part_opt
#define __field_ecount_part_opt(s, c)
#endif
#ifndef __field_nullterminated
#define __field_nullterminated
#endif
#ifndef __field_range
#define __field_range(lb, ub)
#endif
#ifndef __field_xcount
#define __field_xcount(s)
#endif
#ifndef __format_string
#define __format_string
#endif
#ifndef __in_awcount
#define __in_awcount(expr, size)
#endif
#ifndef __in_bcount
#define __in_bcount(size)
#endif
#ifndef __in_bcount_nz
#define __in_bcount_nz(size)
#endif
#ifndef __in_bcount_nz_opt
#define __in_bcount_nz_opt(size)
#endif
#ifndef __in_bcount_opt
#define __in_bcount_opt(size)
#endif
#ifndef __in_bcount_z
#define __in_bcount_z(size)
#endif
#ifndef __in_bcount_z_opt
#define __in_bcount_z_opt(size)
#endif
#ifndef __in_bound
#define __in_bound
#endif
#ifndef __in_data_source
#define __in_data_source(src)
#endif
#ifndef __in_ecount
#define __in_ecount(size)
#endif
#ifndef __in_ecount_nz
#define __in_ecount_nz(size)
#endif
#ifndef __in_ecount_nz_opt
#define __in_ecount_nz_opt(size)
#endif
#ifndef __in_ecount_opt
#define __in_ecount_opt(size)
#endif
#ifndef __in_ecount_z
#define __in_ecount_z(size)
#endif
#ifndef __in_ecount_z_opt
#define __in_ecount_z_opt(size)
#endif
#ifndef __in_nz
#define __in_nz
#endif
#ifndef __in_nz_opt
#define __in_nz_opt
#endif
#ifndef __in_opt
#define __in_opt
#endif
#ifndef __in_range
#define __in_range(lb, ub)
#endif
#ifndef __in_xcount
#define __in_xcount(s)
#endif
#ifndef __in_xcount_opt
#define __in_xcount_opt(s)
#endif
#ifndef __in_z
#define __in_z
#endif
#ifndef __in_z_opt
#define __in_z_opt
#endif
#ifndef __inexpressible_readableTo
#define __inexpressible_readableTo(s)
#endif
#ifndef __inexpressible_writableTo
#define __inexpressible_writableTo(s)
#endif
#ifndef __inout
#define __inout
#endif
#ifndef __inout_bcount
#define __inout_bcount(size)
#endif
#ifndef __inout_bcount_full
#define __inout_bcount_full(size)
#endif
#ifndef __inout_bcount_full_opt
#define __inout_bcount_full_opt(size)
#endif
#ifndef __inout_bcount_nz
#define __inout_bcount_nz(size)
#endif
#ifndef __inout_bcount_nz_opt
#define __inout_bcount_nz_opt(size)
#endif
#ifndef __inout_bcount_opt
#define __inout_bcount_opt(size)
#endif
#ifndef __inout_bcount_part
#define __inout_bcount_part(size, length)
#endif
#ifndef __inout_bcount_part_opt
#define __inout_bcount_part_opt(size, length)
#endif
#ifndef __inout_bcount_z
#define __inout_bcount_z(size)
#endif
#ifndef __inout_bcount_z_opt
#define __inout_bcount_z_opt(size)
#endif
#ifndef __inout_ecount
#define __inout_ecount(size)
#endif
#ifndef __inout_ecount_full
#define __inout_ecount_full(size)
#endif
#ifndef __inout_ecount_full_opt
#define __inout_ecount_full_opt(size)
#endif
#ifndef __inout_ecount_nz
#define __inout_ecount_nz(size)
#endif
#ifndef __inout_ecount_nz_opt
#define __inout_ecount_nz_opt(size)
#endif
#ifndef __inout_ecount_opt
#define __inout_ecount_opt(size)
#endif
#ifndef __inout_ecount_part
#define __inout_ecount_part(size, length)
#endif
#ifndef __inout_ecount_part_opt
#define __inout_ecount_part_opt(size, length)
#endif
#ifndef __inout_ecount_z
#define __inout_ecount_z(size)
#endif
#ifndef __inout_ecount_z_opt
#define __inout_ecount_z_opt(size)
#endif
#ifndef __inout_nz
#define __inout_nz
#endif
#ifndef __inout_nz_opt
#define __inout_nz_opt
#endif
#ifndef __inout_opt
#define __inout_opt
#endif
#ifndef __inout_xcount
#define __inout_xcount(s)
#endif
#ifndef __inout_xcount_opt
#define __inout_xcount_opt(s)
#endif
#ifndef __inout_z
#define __inout_z
#endif
#ifndef __inout_z_opt
#define __inout_z_opt
#endif
#ifndef __kernel_entry
#define __kernel_entry
#endif
#ifndef __maybenull
#define __maybenull
#endif
#ifndef __maybereadonly
#define __maybereadonly
#endif
#ifndef __maybevalid
#define __maybevalid
#endif
#ifndef __notnull
#define __notnull
#endif
#ifndef __notreadonly
#define __notreadonly
#endif
#ifndef __notvalid
#define __notvalid
#endif
#ifndef __nullnullterminated
#define __nullnullterminated
#endif
#ifndef __nullterminated
#define __nullterminated
#endif
#ifndef __out_awcount
#define __out_awcount(expr, size)
#endif
#ifndef __out_bcount
#define __out_bcount(size)
#endif
#ifndef __out_bcount_full
#define __out_bcount_full(size)
#endif
#ifndef __out_bcount_full_opt
#define __out_bcount_full_opt(size)
#endif
#ifndef __out_bcount_full_z
#define __out_bcount_full_z(size)
#endif
#ifndef __out_bcount_full_z_opt
#define __out_bcount_full_z_opt(size)
#endif
#ifndef __out_bcount_nz
#define __out_bcount_nz(size)
#endif
#ifndef __out_bcount_nz_opt
#define __out_bcount_nz_opt(size)
#endif
#ifndef __out_bcount_opt
#define __out_bcount_opt(size)
#endif
#ifndef __out_bcount_part
#define __out_bcount_part(size, length)
#endif
#ifndef __out_bcount_part_opt
#define __out_bcount_part_opt(size, length)
#endif
#ifndef __out_bcount_part_z
#define __out_bcount_part_z(size, length)
#endif
#ifndef __out_bcount_part_z_opt
#define __out_bcount_part_z_opt(size, length)
#endif
#ifndef __out_bcount_z
#define __out_bcount_z(size)
#endif
#ifndef __out_bcount_z_opt
#define __out_bcount_z_opt(size)
#endif
#ifndef __out_bound
#define __out_bound
#endif
#ifndef __out_data_source
#define __out_data_source(src)
#endif
#ifndef __out_ecount
#define __out_ecount(size)
#endif
#ifndef __out_ecount_full
#define __out_ecount_full(size)
#endif
#ifndef __out_ecount_full_opt
#define __out_ecount_full_opt(size)
#endif
#ifndef __out_ecount_full_z
#define __out_ecount_full_z(size)
#endif
#ifndef __out_ecount_full_z_opt
#define __out_ecount_full_z_opt(size)
#endif
#ifndef __out_ecount_nz
#define __out_ecount_nz(size)
#endif
#ifndef __out_ecount_nz_opt
#define __out_ecount_nz_opt(size)
#endif
#ifndef __out_ecount_opt
#define __out_ecount_opt(size)
#endif
#ifndef __out_ecount_part
#define __out_ecount_part(size, length)
#endif
#ifndef __out_ecount_part_opt
#define __out_ecount_part_opt(size, length)
#endif
#ifndef __out_ecount_part_z
#define __out_ecount_part_z(size, length)
#endif
#ifndef __out_ecount_part_z_opt
#define __out_ecount_part_z_opt(size, length)
#endif
#ifndef __out_ecount_z
#define __out_ecount_z(size)
#endif
#ifndef __out_ecount_z_opt
#define __out_ecount_z_opt(size)
#endif
#ifndef __out_nz
#define __out_nz
#endif
#ifndef __out_nz_opt
#define __out_nz_opt
#endif
#ifndef __out_opt
#define __out_opt
#endif
#ifndef __out_range
#define __out_range(lb, ub)
#endif
#ifndef __out_xcount
#define __out_xcount(s)
#endif
#ifndef __out_xcount_full
#define __out_xcount_full(s)
#endif
#ifndef __out_xcount_opt
#define __out_xcount_opt(s)
#endif
#ifndef __out_xcount_part
#define __out_xcount_part(s, c)
#endif
#ifndef __out_z
#define __out_z
#endif
#ifndef __out_z_opt
#define __out_z_opt
#endif
#ifndef __override
#define __override
#endif
#ifndef __possibly_notnullterminated
#define __possibly_notnullterminated
#endif
#ifndef __post
#define __post
#endif
#ifndef __post_invalid
#define __post_invalid
#endif
#ifndef __postcond
#define __postcond(expr)
#endif
#ifndef __precond
#define __precond(expr)
#endif
#ifndef __range
#define __range(x, y)
#endif
#ifndef __readableTo
#define __readableTo(extent)
#endif
#ifndef __readonly
#define __readonly
#endif
#ifndef __refparam
#define __refparam
#endif
#ifndef __struct_bcount
#define __struct_bcount(s)
#endif
#ifndef __struct_xcount
#define __struct_xcount(s)
#endif
#ifndef __success
#define __success(expr)
#endif
#ifndef __this_out_data_source
#define __this_out_data_source(src)
#endif
#ifndef __typefix
#define __typefix(ctype)
#endif
#ifndef __writableTo
#define __writableTo(size)
#endif

/* libstdc++ uses these spellings as ordinary identifiers (and g++ defines NULL as __null), so
 * as empty macros they would break C++ translation units; define them for C only. */
#ifndef __cplusplus
#ifndef __bound
#define __bound
#endif
#ifndef __in
#define __in
#endif
#ifndef __null
#define __null
#endif
#ifndef __out
#define __out
#endif
#ifndef __pre
#define __pre
#endif
#ifndef __valid
#define __valid
#endif
#endif /* !__cplusplus */

/* __reserved (old-style SAL) is deliberately not defined: Linux UAPI structures that a test
 * may include after the WDK headers (struct statx_timestamp, struct futex_waitv, ...) have a
 * member of that name, and an empty macro would silently change their layout. */

#endif /* PSSIM_WDK_SAL_H */
