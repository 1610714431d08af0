#pragma once

#include <array>
#include <string_view>

namespace analytics::eventgen {

struct Product {
  std::string_view name;
  std::string_view category;
  int list_price_cents;  // what the shop shows in the clickstream
};

/// The source system's catalogue (seed 003): 15 products in 5 categories, 5 regions,
/// 3 order statuses. A product always belongs to the same category.
inline constexpr std::array<Product, 15> kProducts = {{
    {"Wireless Headphones", "Electronics", 14999},
    {"Bluetooth Speaker", "Electronics", 7999},
    {"Smart Watch", "Electronics", 24999},
    {"Phone Case", "Accessories", 1999},
    {"USB-C Cable", "Accessories", 1299},
    {"Laptop Sleeve", "Accessories", 2999},
    {"Running Shoes", "Clothing", 8999},
    {"Denim Jacket", "Clothing", 6999},
    {"Cotton T-Shirt", "Clothing", 1999},
    {"Yoga Mat", "Fitness", 3499},
    {"Resistance Bands", "Fitness", 2499},
    {"Dumbbell Set", "Fitness", 11999},
    {"Coffee Maker", "Home", 8999},
    {"Desk Lamp", "Home", 3999},
    {"Air Purifier", "Home", 17999},
}};

inline constexpr std::array<std::string_view, 5> kRegions = {"US-East", "US-West", "EU-West",
                                                             "EU-Central", "APAC"};

inline constexpr std::array<std::string_view, 3> kStatuses = {"completed", "returned", "pending"};

/// What a broken source system sends instead of a timestamp (seed 003).
inline constexpr std::array<std::string_view, 4> kMalformedTimestamps = {"not-a-date", "2026/13/45",
                                                                         "yesterday", ""};

inline constexpr std::array<std::string_view, 24> kFirstNames = {
    "Sarah", "James", "Maria", "David", "Aisha",  "Wei",   "Olga",  "Carlos",
    "Emma",  "Noah",  "Yuki",  "Liam",  "Fatima", "Lucas", "Chloe", "Mateo",
    "Priya", "Ethan", "Sofia", "Omar",  "Hannah", "Jonas", "Ines",  "Kofi"};

inline constexpr std::array<std::string_view, 24> kLastNames = {
    "Connor", "Smith",  "Garcia", "Chen",     "Okafor",  "Müller", "Rossi",  "Kowalski",
    "Tanaka", "Brown",  "Silva",  "Nguyen",   "Haddad",  "Jensen", "Dubois", "Novak",
    "Patel",  "Larsen", "Moreau", "Andersen", "Ivanova", "Kim",    "Lopez",  "Mensah"};

inline constexpr std::array<std::string_view, 4> kEmailDomains = {"example.com", "example.org",
                                                                  "example.net", "mail.example"};

// --- clickstream (user.interaction) --------------------------------------------------------

/// First-touch marketing sources; "direct" sessions carry no UTM properties.
struct Campaign {
  std::string_view source, medium, campaign;
};
inline constexpr std::array<Campaign, 6> kCampaigns = {{
    {"google", "cpc", "brand_search"},
    {"google", "organic", ""},
    {"facebook", "paid_social", "autumn_sale"},
    {"newsletter", "email", "weekly_digest"},
    {"tiktok", "paid_social", "creator_collab"},
    {"partner_blog", "referral", "gift_guide"},
}};

inline constexpr std::array<std::string_view, 3> kCurrencies = {"USD", "EUR", "GBP"};

inline constexpr std::array<std::string_view, 10> kSearchQueries = {
    "wireless headphones", "running shoes", "yoga mat",         "usb c cable",       "coffee maker",
    "smart watch sale",    "desk lamp led", "denim jacket men", "air purifier hepa", "gift ideas"};

inline constexpr std::array<std::string_view, 6> kPages = {
    "/", "/deals", "/category/electronics", "/category/home", "/category/fitness", "/help"};

}  // namespace analytics::eventgen
