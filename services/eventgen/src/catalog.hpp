#pragma once

#include <array>
#include <string_view>

namespace analytics::eventgen {

struct Product {
  std::string_view name;
  std::string_view category;
};

/// The source system's catalogue (seed 003): 15 products in 5 categories, 5 regions,
/// 3 order statuses. A product always belongs to the same category.
inline constexpr std::array<Product, 15> kProducts = {{
    {"Wireless Headphones", "Electronics"}, {"Bluetooth Speaker", "Electronics"},
    {"Smart Watch", "Electronics"},         {"Phone Case", "Accessories"},
    {"USB-C Cable", "Accessories"},         {"Laptop Sleeve", "Accessories"},
    {"Running Shoes", "Clothing"},          {"Denim Jacket", "Clothing"},
    {"Cotton T-Shirt", "Clothing"},         {"Yoga Mat", "Fitness"},
    {"Resistance Bands", "Fitness"},        {"Dumbbell Set", "Fitness"},
    {"Coffee Maker", "Home"},               {"Desk Lamp", "Home"},
    {"Air Purifier", "Home"},
}};

inline constexpr std::array<std::string_view, 5> kRegions = {"US-East", "US-West", "EU-West",
                                                            "EU-Central", "APAC"};

inline constexpr std::array<std::string_view, 3> kStatuses = {"completed", "returned", "pending"};

/// What a broken source system sends instead of a timestamp (seed 003).
inline constexpr std::array<std::string_view, 4> kMalformedTimestamps = {"not-a-date", "2026/13/45",
                                                                        "yesterday", ""};

inline constexpr std::array<std::string_view, 24> kFirstNames = {
    "Sarah", "James", "Maria", "David", "Aisha", "Wei",    "Olga",  "Carlos",
    "Emma",  "Noah",  "Yuki",  "Liam",  "Fatima", "Lucas", "Chloe", "Mateo",
    "Priya", "Ethan", "Sofia", "Omar",  "Hannah", "Jonas", "Ines",  "Kofi"};

inline constexpr std::array<std::string_view, 24> kLastNames = {
    "Connor", "Smith",  "Garcia", "Chen",    "Okafor", "Müller", "Rossi",  "Kowalski",
    "Tanaka", "Brown",  "Silva",  "Nguyen",  "Haddad", "Jensen", "Dubois", "Novak",
    "Patel",  "Larsen", "Moreau", "Andersen", "Ivanova", "Kim",   "Lopez",  "Mensah"};

inline constexpr std::array<std::string_view, 4> kEmailDomains = {"example.com", "example.org",
                                                                 "example.net", "mail.example"};

}  // namespace analytics::eventgen
